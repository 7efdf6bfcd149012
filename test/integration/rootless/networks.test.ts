// Rootless user networks (issue #14, docs/rootless.md): as a user the test makes, `network
// create`, two containers on it that reach each other by name (ping and wget, through the
// /etc/hosts entries berth writes on user networks, the joining peer's included), the way out
// (a server on the host's own address, through the rootless netns's slirp4netns, DNS at
// 10.0.2.3), a published port from the host to a container on the network, the rootless netns's
// slirp4netns killed and started again by the next attach (ports forwarded again), a container of
// the default network refused a connect with its reason; and after rm and network rm nothing left:
// no slirp4netns, no rootless netns, no container netns, no mounts, no files in /tmp. And
// --network pasta (skipped, saying so, where pasta is not installed): the host's address on eth0,
// the way out, -p through pasta's forwards, no pasta left after rm.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { fileCleanups } from '../../helpers/cleanup.ts';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../helpers/registry.ts';
import { assertNoLeftovers, commOf, installTree, makeUser, processesOf, skip as baseSkip, ok, openToUsers, type Result } from './support.ts';

const suite = fileCleanups();
let prefix = '';
const skip = baseSkip || (!['/usr/bin/slirp4netns', '/dev/net/tun'].every((p) => existsSync(p)) ? 'needs slirp4netns and /dev/net/tun' : false);

before(() => {
  if (skip) return;
  prefix = installTree(suite);
  openToUsers(suite, '/dev/net/tun');
});

/** The host's first non-loopback IPv4 address: reachable from the rootless netns through
 * slirp4netns (the host's loopback is not: --disable-host-loopback). */
function hostAddress(): string | undefined {
  return Object.values(networkInterfaces()).flat().find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
}

async function waitFor<T>(fn: () => Promise<T | undefined>, tries = 50): Promise<T | undefined> {
  for (let i = 0; i < tries; i++) {
    const v = await fn();
    if (v) return v;
    await new Promise((res) => setTimeout(res, 100));
  }
  return undefined;
}

test('rootless user network: containers reach each other by name, go out, publish; nothing left after rm and network rm', { skip }, async (t) => {
  const user = makeUser(t, prefix, { sub: true });
  const slirps = () => processesOf(user.uid, user.sub).filter((p) => commOf(p) === 'slirp4netns');
  ok(await user.berth(['image', 'build-busybox']), 'build-busybox');

  const nid = ok(await user.berth(['network', 'create', 'n1']), 'network create').stdout.trim();
  assert.match(nid, /^[0-9a-f]{64}$/);
  assert.equal(ok(await user.berth(['network', 'ls', '--filter', 'type=custom', '--format', '{{.Name}}']), 'network ls').stdout, 'n1\n', 'only the user\'s network: the default is slirp4netns\'s');
  const subnet = JSON.parse(ok(await user.berth(['network', 'inspect', 'n1']), 'inspect').stdout)[0].subnet as string;
  assert.match(subnet, /^10\.89\.\d+\.0\/24$/);
  assert.deepEqual(slirps(), [], 'no rootless netns before a container needs it');

  // a: a web server on n1. Its hostname file names its short id.
  const aid = ok(await user.berth(['run', '-d', '--network', 'n1', '--name', 'a', 'busybox', 'httpd', '-f', '-p', '80', '-h', '/etc']), 'run a').stdout.trim();
  assert.equal(slirps().length, 1, 'one slirp4netns for the rootless netns');
  assert.ok(existsSync(join(user.runRoot, 'rootless-netns')));

  // b, by name: ping and wget a; its own resolv.conf names slirp4netns's DNS (the way out).
  const b = ok(await user.berth(['run', '--rm', '--network', 'n1', '--name', 'b', 'busybox', 'sh', '-c',
    'ping -c 1 -W 5 a >/dev/null && echo ping-ok; wget -q -O - http://a/hostname; ip -4 route; cat /etc/resolv.conf']), 'run b').stdout;
  assert.match(b, /^ping-ok\n/);
  assert.match(b, new RegExp(`^${aid.slice(0, 12)}$`, 'm'), 'wget a by name reached a');
  assert.match(b, new RegExp(`default via ${subnet.replace(/0\/24$/, '1').replace(/\./g, '\\.')} dev eth0`));
  assert.match(b, /nameserver 10\.0\.2\.3/);

  // The way out: a server on the host's own address, reached from a container on n1.
  const addr = hostAddress();
  if (addr) {
    const server = createServer((_req, res) => res.end('from-host\n'));
    await new Promise<void>((res) => server.listen(0, '0.0.0.0', res));
    t.after(() => server.close());
    const port = (server.address() as { port: number }).port;
    assert.equal(ok(await user.berth(['run', '--rm', '--network', 'n1', 'busybox', 'wget', '-q', '-O', '-', `http://${addr}:${port}/`]), 'out').stdout, 'from-host\n');
  }

  // A published port from the host to a container on n1; a's hosts file gets the new peer.
  const port = await freePort();
  ok(await user.berth(['run', '-d', '--network', 'n1', '--name', 'web', '-p', `${port}:80`, 'busybox', 'httpd', '-f', '-p', '80', '-h', '/etc']), 'run web');
  assert.match(ok(await user.berth(['port', 'web']), 'port').stdout, new RegExp(`80/tcp -> 0\\.0\\.0\\.0:${port}`));
  const body = await waitFor(() => fetch(`http://127.0.0.1:${port}/hostname`).then((r) => (r.ok ? r.text() : undefined), () => undefined));
  assert.match(body ?? '', /^[0-9a-f]{12}\n$/, 'web\'s hostname through the published port');
  assert.match(ok(await user.berth(['exec', 'a', 'cat', '/etc/hosts']), 'exec a').stdout, /^10\.89\.\d+\.\d+\tweb /m, 'a resolves the peer that joined later');
  assert.equal(ok(await user.berth(['exec', 'a', 'wget', '-q', '-O', '-', 'http://web/hostname']), 'a to web').stdout, body);
  assert.equal(slirps().length, 1, 'still one slirp4netns: published ports are its host forwards');

  // slirp4netns of the rootless netns killed: the next attach starts it again in the same netns
  // (the running containers keep their bridge) and forwards the published ports again.
  const dead = Number(readFileSync(join(user.runRoot, 'rootless-netns', 'slirp4netns.pid'), 'utf8'));
  process.kill(dead, 'SIGKILL');
  for (const end = Date.now() + 60_000; slirps().includes(dead) && Date.now() < end;) await new Promise((res) => setTimeout(res, 20));
  assert.equal(ok(await user.berth(['run', '--rm', '--network', 'n1', 'busybox', 'wget', '-q', '-O', '-', 'http://web/hostname']), 'after the kill').stdout, body);
  assert.equal(slirps().length, 1, 'one slirp4netns again');
  assert.notEqual(slirps()[0], dead);
  assert.equal(await waitFor(() => fetch(`http://127.0.0.1:${port}/hostname`).then((r) => (r.ok ? r.text() : undefined), () => undefined)), body, 'the published port forwarded again');

  // The default network (slirp4netns) cannot join n1: no bridge to join from.
  ok(await user.berth(['create', '--name', 'solo', 'busybox', 'true']), 'create solo');
  const conn = await user.berth(['network', 'connect', 'n1', 'solo']);
  assert.notEqual(conn.code, 0);
  assert.match(conn.stderr, /rootless: solo is on the default network \(slirp4netns\)/);
  ok(await user.berth(['rm', 'solo']), 'rm solo');

  // network rm of a network in use says who uses it.
  const busy = await user.berth(['network', 'rm', 'n1']);
  assert.notEqual(busy.code, 0);
  assert.match(busy.stderr, /has active endpoints: (a, web|web, a)/);

  ok(await user.berth(['rm', '-f', 'a', 'web']), 'rm -f');
  assert.deepEqual(slirps(), [], 'the rootless netns\'s slirp4netns is gone with the last container');
  assert.ok(!existsSync(join(user.runRoot, 'rootless-netns')), 'the rootless netns is gone');
  await assert.rejects(fetch(`http://127.0.0.1:${port}/hostname`), 'the port is closed after rm');
  ok(await user.berth(['network', 'rm', 'n1']), 'network rm');
  assert.equal(ok(await user.berth(['network', 'ls', '-q', '--filter', 'type=custom']), 'network ls').stdout, '');
  const netState = join(user.home, '.local/share/berth/networks');
  for (const d of ['networks', 'attachments', 'ipam']) {
    assert.deepEqual(existsSync(join(netState, d)) ? readdirSync(join(netState, d)) : [], [], `${d} left in the network state`);
  }
  await assertNoLeftovers(user);
});

const pastaSkip = skip || (!existsSync('/usr/bin/pasta') ? 'needs pasta (apt-get install passt)' : false);

test('rootless --network pasta: the host\'s address on eth0, the way out, -p; no pasta left after rm', { skip: pastaSkip }, async (t) => {
  const user = makeUser(t, prefix, { sub: true });
  // Debian's pasta execs passt.avx2 where the CPU has AVX2.
  const pastas = () => processesOf(user.uid, user.sub).filter((p) => /^pas(ta|st)(\.avx2)?$/.test(commOf(p)));
  ok(await user.berth(['image', 'build-busybox']), 'build-busybox');

  // pasta copies the host's address and default route into the container's netns.
  const inside = ok(await user.berth(['run', '--rm', '--network', 'pasta', 'busybox', 'sh', '-c', 'ip -4 -o addr show eth0; ip -4 route']), 'run --network pasta').stdout;
  const own = /inet (\d+\.\d+\.\d+\.\d+)\//.exec(inside)?.[1];
  assert.ok(own, `eth0 has an address: ${inside}`);
  assert.ok(Object.values(networkInterfaces()).flat().some((a) => a?.address === own), `eth0's ${own} is one of the host's addresses`);
  assert.match(inside, /^default via \S+ dev eth0/m);
  assert.deepEqual(pastas(), [], 'pasta gone with the --rm container');

  // The way out: a server on another of the host's addresses (the container has the first one
  // itself), when the host has one.
  const other = Object.values(networkInterfaces()).flat().find((a) => a && a.family === 'IPv4' && !a.internal && a.address !== own)?.address;
  if (other) {
    const server = createServer((_req, res) => res.end('from-host\n'));
    await new Promise<void>((res) => server.listen(0, '0.0.0.0', res));
    t.after(() => server.close());
    const sport = (server.address() as { port: number }).port;
    assert.equal(ok(await user.berth(['run', '--rm', '--network', 'pasta', 'busybox', 'wget', '-q', '-O', '-', `http://${other}:${sport}/`]), 'pasta out').stdout, 'from-host\n');
  } else {
    t.diagnostic('the host has one non-loopback IPv4 address, which pasta gives the container: no way-out check');
  }

  // A published port: pasta's own forward from the host.
  const port = await freePort();
  ok(await user.berth(['run', '-d', '--network', 'pasta', '--name', 'pw', '-p', `${port}:80`, 'busybox', 'httpd', '-f', '-p', '80', '-h', '/etc']), 'run -p');
  assert.equal(pastas().length, 1, 'one pasta for the container');
  assert.match(ok(await user.berth(['port', 'pw']), 'port').stdout, new RegExp(`80/tcp -> 0\\.0\\.0\\.0:${port}`));
  const body = await waitFor(() => fetch(`http://127.0.0.1:${port}/hostname`).then((r) => (r.ok ? r.text() : undefined), () => undefined));
  assert.match(body ?? '', /^[0-9a-f]{12}\n$/, 'the container\'s hostname through pasta\'s forward');
  assert.equal(ok(await user.berth(['inspect', '--format', '{{.NetworkSettings.IPAddress}}', 'pw']), 'inspect').stdout.trim(), own);
  ok(await user.berth(['rm', '-f', 'pw']), 'rm -f');
  assert.deepEqual(pastas(), [], 'pasta gone with its container');
  await assert.rejects(fetch(`http://127.0.0.1:${port}/hostname`), 'the port is closed after rm');
  await assertNoLeftovers(user);
});
