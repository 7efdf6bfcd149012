// Networking through the engine: a published busybox httpd fetched from the host with Node's
// http client, containers resolving each other by name on a user network, network commands,
// two roots' default networks side by side, and nothing left on the host afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isRoot } from '../../helpers/rootfs.ts';
import { freePort } from '../../helpers/registry.ts';
import { defaultBridge } from '../../../src/network/networks.ts';
import type { NetworkInfo } from '../../../src/network/index.ts';
import { assertNoLeaks, Berth, fetchText, retry, snapshot } from './harness.ts';

const skip = !isRoot && 'needs root';

test('-p publishes busybox httpd on the host', { skip }, async (t) => {
  const b = new Berth();
  t.after(() => b.teardown());
  const before = snapshot(b);
  const port = await freePort();
  await b.ok(['run', '-d', '--name', 'berth-test-web', '-p', `${port}:80`, 'busybox', 'sh', '-c',
    'mkdir /www && echo hello-from-httpd > /www/index.html && exec httpd -f -p 80 -h /www']);
  assert.equal((await b.ok(['port', 'berth-test-web'])).trim(), `80/tcp -> 0.0.0.0:${port}`);
  const r = await retry(() => fetchText(`http://127.0.0.1:${port}/`));
  assert.equal(r.status, 200);
  assert.equal(r.body, 'hello-from-httpd\n');
  const ins = JSON.parse(await b.ok(['inspect', 'berth-test-web'])) as { NetworkSettings: { IPAddress: string; Ports: Record<string, unknown> } }[];
  assert.match(ins[0].NetworkSettings.IPAddress, /^\d+\.\d+\.\d+\.\d+$/);
  assert.deepEqual(ins[0].NetworkSettings.Ports, { '80/tcp': [{ HostIp: '0.0.0.0', HostPort: String(port) }] });
  // The same host port cannot be taken twice.
  const dup = await b.run(['run', '--rm', '-p', `${port}:80`, 'busybox', 'true']);
  assert.equal(dup.code, 125);
  await b.ok(['rm', '-f', 'berth-test-web']);
  await assert.rejects(fetchText(`http://127.0.0.1:${port}/`));
  assertNoLeaks(b, before);
});

test('containers on a user network reach each other by name', { skip }, async (t) => {
  const b = new Berth();
  t.after(() => b.teardown());
  await b.ok(['network', 'create', 'berth-test-net']);
  assert.match(await b.ok(['network', 'ls']), /berth-test-net/);
  const before = snapshot(b);
  await b.ok(['run', '-d', '--name', 'berth-test-srv', '--network', 'berth-test-net', '--network-alias', 'srv-alias', 'busybox', 'sh', '-c',
    'echo pong > /index.html; exec httpd -f -p 8080 -h /']);
  // A client started later resolves the server by name and alias, and fetches from it.
  const out = await b.ok(['run', '--rm', '--network', 'berth-test-net', 'busybox', 'sh', '-c',
    'ping -c1 -W3 berth-test-srv >/dev/null && ping -c1 -W3 srv-alias >/dev/null && nc berth-test-srv 8080 <<EOF\nGET / HTTP/1.0\n\nEOF\n']);
  assert.match(out, /200 OK/);
  assert.match(out, /pong/);
  // The server learns of a container that joined after it (its hosts file is rewritten).
  await b.ok(['run', '-d', '--name', 'berth-test-late', '--network', 'berth-test-net', 'busybox', 'sleep', '60']);
  const hosts = await b.ok(['run', '--rm', '--network', 'berth-test-net', 'busybox', 'cat', '/etc/hosts']);
  assert.match(hosts, /berth-test-srv/);
  assert.match(hosts, /berth-test-late/);
  const inspected = JSON.parse(await b.ok(['network', 'inspect', 'berth-test-net'])) as { Containers: Record<string, { Name: string }> }[];
  assert.deepEqual(Object.values(inspected[0].Containers).map((c) => c.Name).sort(), ['berth-test-late', 'berth-test-srv']);
  // network connect/disconnect on a running container: a second interface, then gone.
  await b.ok(['run', '-d', '--name', 'berth-test-joiner', 'busybox', 'sleep', '60']);
  assert.equal((await b.run(['exec', 'berth-test-joiner', 'ping', '-c1', '-W1', 'berth-test-srv'])).code === 0, false);
  await b.ok(['network', 'connect', 'berth-test-net', 'berth-test-joiner']);
  assert.equal((await b.ok(['exec', 'berth-test-joiner', 'ls', '/sys/class/net'])).split('\n').filter(Boolean).join(' '), 'eth0 eth1 lo');
  await b.ok(['exec', 'berth-test-joiner', 'ping', '-c1', '-W3', 'berth-test-srv']);
  await b.ok(['network', 'disconnect', 'berth-test-net', 'berth-test-joiner']);
  assert.equal((await b.ok(['exec', 'berth-test-joiner', 'ls', '/sys/class/net'])).split('\n').filter(Boolean).join(' '), 'eth0 lo');
  await b.ok(['rm', '-f', 'berth-test-joiner']);
  // In use: cannot be removed.
  assert.notEqual((await b.run(['network', 'rm', 'berth-test-net'])).code, 0);
  // Isolation: the default bridge cannot reach the user network's container by address.
  const ip = (await b.ok(['inspect', '-f', '{{.NetworkSettings.IPAddress}}', 'berth-test-srv'])).trim();
  const cross = await b.run(['run', '--rm', 'busybox', 'ping', '-c1', '-W1', ip]);
  assert.notEqual(cross.code, 0);
  // --network none: loopback only; host: the host's interfaces.
  assert.equal((await b.ok(['run', '--rm', '--network', 'none', 'busybox', 'sh', '-c', 'ls /sys/class/net | sort | tr "\\n" " "'])).trim(), 'lo');
  assert.match(await b.ok(['run', '--rm', '--network', 'host', 'busybox', 'ls', '/sys/class/net']), /lo/);
  await b.ok(['rm', '-f', 'berth-test-srv', 'berth-test-late']);
  assertNoLeaks(b, before);
  await b.ok(['network', 'rm', 'berth-test-net']);
  assert.doesNotMatch(await b.ok(['network', 'ls']), /berth-test-net/);
});

test('--add-host, --dns, --hostname land in the generated files', { skip }, async (t) => {
  const b = new Berth();
  t.after(() => b.teardown());
  const out = await b.ok(['run', '--rm', '--add-host', 'berth-test-db:10.1.2.3', '--dns', '192.0.2.53', '--dns-search', 'example.test',
    '--hostname', 'berth-test-h', 'busybox', 'sh', '-c', 'cat /etc/hosts /etc/resolv.conf /etc/hostname']);
  assert.match(out, /10\.1\.2\.3\s+berth-test-db/);
  assert.match(out, /nameserver 192\.0\.2\.53/);
  assert.match(out, /search example\.test/);
  assert.match(out, /^berth-test-h$/m);
});

test('two roots have default networks of their own that tear down independently', { skip }, async (t) => {
  const a = new Berth();
  const b = new Berth();
  t.after(async () => { await a.teardown(); await b.teardown(); });
  const beforeB = snapshot(b);
  await a.ok(['run', '-d', '--name', 'berth-test-a', 'busybox', 'sleep', '300']);
  await b.ok(['run', '-d', '--name', 'berth-test-b', 'busybox', 'sleep', '300']);
  const record = (x: Berth) => JSON.parse(readFileSync(join(x.root, 'networks', 'networks', 'berth.json'), 'utf8')) as NetworkInfo;
  const netA = record(a);
  const netB = record(b);
  // A bridge per root, named for the root, each with a subnet of its own on the host's routes.
  assert.equal(netA.bridge, defaultBridge(join(a.root, 'networks')));
  assert.equal(netB.bridge, defaultBridge(join(b.root, 'networks')));
  assert.match(netA.bridge, /^berth0-[0-9a-f]{8}$/);
  assert.notEqual(netA.bridge, netB.bridge);
  assert.notEqual(netA.subnet, netB.subnet);
  for (const n of [netA, netB]) assert.equal(routeDev(n.subnet), n.bridge);
  await a.ok(['exec', 'berth-test-a', 'ping', '-c1', '-W3', netA.gateway]);
  await b.ok(['exec', 'berth-test-b', 'ping', '-c1', '-W3', netB.gateway]);

  // A's teardown removes its bridge, veths and rules, and nothing of B's.
  const vethsA = a.veths();
  assert.equal(vethsA.size, 1);
  await a.teardown();
  assert.deepEqual(hostLinks().filter((l) => l === netA.bridge || vethsA.has(l)), []);
  assert.deepEqual(rulesNaming(netA.bridge), []);
  assert.ok(hostLinks().includes(netB.bridge), 'B\'s bridge stays');
  assert.ok(rulesNaming(netB.bridge).length > 0, 'B\'s rules stay');
  await b.ok(['exec', 'berth-test-b', 'ping', '-c1', '-W3', netB.gateway]);

  const vethsB = b.veths();
  await b.ok(['rm', '-f', 'berth-test-b']);
  assertNoLeaks(b, beforeB);
  await b.teardown();
  assert.deepEqual(hostLinks().filter((l) => l === netB.bridge || vethsB.has(l)), []);
  assert.deepEqual(rulesNaming(netB.bridge), []);
});

function hostLinks(): string[] {
  return (JSON.parse(execFileSync('ip', ['-j', 'link', 'show'], { encoding: 'utf8' })) as { ifname: string }[]).map((l) => l.ifname);
}

/** The device of the host's route for `subnet`. */
function routeDev(subnet: string): string | undefined {
  return (JSON.parse(execFileSync('ip', ['-j', '-4', 'route', 'show', subnet], { encoding: 'utf8' })) as { dev?: string }[])[0]?.dev;
}

function rulesNaming(bridge: string): string[] {
  return execFileSync('iptables-save', { encoding: 'utf8' }).split('\n').filter((l) => new RegExp(`-[io] ${bridge}( |$)`).test(l));
}
