// Real bridge networking through Debian's CNI plugins: two netns on one network reach each other,
// a published port is reachable from the host, and detaching/removing leaves nothing behind.
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import {
  attach, attachmentsOf, check, createNetns, createNetwork, detach, hostsFor, inspectNetwork, isNetns, listNetworks,
  networkPeers, parsePublish, removeNetwork, NetworkInUseError, PortInUseError, InvalidNetworkConfigError,
  NetworkExistsError, CniPluginError,
} from '../../../src/network/index.ts';
import type { AttachmentRecord } from '../../../src/network/index.ts';
import { masqueradeChain } from '../../../src/network/host.ts';
import { BRIDGE_OWNERS, defaultBridge } from '../../../src/network/networks.ts';
import { ensureNetworkRules, removeNetworkRules } from '../../../src/network/firewall.ts';
import { addNetworkList } from '../../../src/network/cni.ts';
import { summarize } from '../../../src/network/attach.ts';
import { writeAttachment } from '../../../src/network/store.ts';
import type { Conflist } from '../../../src/network/conflist.ts';
import { isRoot, makeTemp, removeTemp } from '../../helpers/rootfs.ts';
import { Cleanup, hostIPv4, httpGet, inNetns, iptablesSave, links, masqueradeRules, ping, startHttpd } from './helpers.ts';

const tag = `berth-test-${process.pid}`;

/** A state root of its own, and a cleanup list run (then the root removed) when the test ends. */
function fixture(t: { after: (fn: () => Promise<void>) => void }): { root: string; opts: { stateRoot: string }; clean: Cleanup } {
  const root = makeTemp('berth-test-net-');
  const clean = new Cleanup(root);
  t.after(async () => { await clean.run(); removeTemp(root); });
  return { root, opts: { stateRoot: root }, clean };
}

function bare(cidr: string): string {
  return cidr.split('/')[0];
}

test('two netns on a user network, a published port, and a clean teardown', { skip: !isRoot && 'needs root' }, async (t) => {
  const { root, opts, clean } = fixture(t);

  const name = `${tag}-n1`;
  clean.networks.push(name);
  const net = await createNetwork({ name, labels: { purpose: 'test' } }, opts);
  assert.match(net.bridge, /^berth-[0-9a-f]{9}$/);
  assert.match(net.subnet, /^10\.89\.\d+\.0\/24$/);
  assert.equal(net.gateway, net.subnet.replace(/0\/24$/, '1'));
  await assert.rejects(createNetwork({ name }, opts), NetworkExistsError);
  const all = await listNetworks(opts);
  assert.deepEqual(all.map((n) => n.name).sort(), ['berth', name].sort());
  // The default network: a bridge named for this root, made at once with the gateway address,
  // so that its route claims the subnet (10.88/16 unless another bridge holds it: podman's
  // cni-podman0 or another root's default network; then docker's 172.17-31/16, then the pool).
  const dflt = all.find((n) => n.name === 'berth')!;
  clean.networks.push('berth');
  assert.equal(dflt.bridge, defaultBridge(root));
  assert.match(dflt.bridge, /^berth0-[0-9a-f]{8}$/);
  assert.match(dflt.subnet, /^(10\.88\.0\.0\/16|172\.(1[7-9]|2\d|3[01])\.0\.0\/16|10\.89\.\d+\.0\/24)$/);
  const routes = JSON.parse(spawnSync('ip', ['-j', '-4', 'route', 'show', dflt.subnet], { encoding: 'utf8' }).stdout) as { dev: string }[];
  assert.deepEqual(routes.map((r) => r.dev), [dflt.bridge]);
  assert.deepEqual(JSON.parse(spawnSync('ip', ['-j', '-4', 'route', 'show', net.subnet], { encoding: 'utf8' }).stdout).map((r: { dev: string }) => r.dev), [net.bridge]);
  const conflist = JSON.parse(readFileSync(join(root, 'networks', `${name}.conflist`), 'utf8'));
  assert.equal(conflist.cniVersion, '1.0.0');
  assert.equal(conflist.plugins[0].ipam.dataDir, join(root, 'ipam'));

  const nsA = await createNetns(`${tag}-a`);
  clean.netns.push(nsA);
  const nsB = await createNetns(`${tag}-b`);
  clean.netns.push(nsB);
  const nsC = await createNetns(`${tag}-c`);
  clean.netns.push(nsC);
  assert.ok(isNetns(nsA));

  clean.attachments.push({ network: name, containerId: `${tag}-ca` });
  const a = await attach({ network: name, containerId: `${tag}-ca`, netnsPath: nsA, name: 'alpha', aliases: ['web'],
    portMappings: [...parsePublish('8080'), ...parsePublish('127.0.0.1::8080')] }, opts);
  clean.attachments.push({ network: name, containerId: `${tag}-cb` });
  const b = await attach({ network: name, containerId: `${tag}-cb`, netnsPath: nsB, name: 'beta' }, opts);
  assert.equal(a.interface, 'eth0');
  assert.equal(a.gateway, net.gateway);
  assert.match(a.mac, /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
  assert.notEqual(bare(a.ips[0]), bare(b.ips[0]));
  assert.equal(a.portMappings.length, 2);
  const hostPort = a.portMappings[0].hostPort;
  const loopbackPort = a.portMappings[1].hostPort;
  assert.ok(hostPort > 0 && loopbackPort > 0 && hostPort !== loopbackPort);
  assert.equal(a.portMappings[1].hostIP, '127.0.0.1');

  // portmap runs only for the attachment with mappings: the record keeps the chain ADD ran.
  const chainOf = (cid: string) => attachmentsOf(cid, opts)[0].config.plugins.map((p) => p.type);
  assert.deepEqual(chainOf(`${tag}-ca`), ['bridge', 'portmap']);
  assert.deepEqual(chainOf(`${tag}-cb`), ['bridge']);
  assert.equal(attachmentsOf(`${tag}-ca`, opts)[0].config.plugins[0].ipMasq, false);

  // The interfaces really are there, lo is up (createNetns), and the two reach each other.
  assert.match(inNetns(nsA, ['ip', '-br', 'addr', 'show', 'eth0']), new RegExp(a.ips[0].replace(/\./g, '\\.')));
  assert.match(inNetns(nsA, ['ip', '-br', 'link', 'show', 'lo']), /UP|UNKNOWN/);
  assert.ok(ping(nsA, bare(b.ips[0])), 'a pings b');
  assert.ok(ping(nsB, bare(a.ips[0])), 'b pings a');
  assert.ok(ping(nsA, '127.0.0.1'), 'a pings its own loopback');
  assert.ok(ping(nsA, net.gateway), 'a pings the host on the bridge');
  const outside = hostIPv4();
  if (outside) assert.ok(ping(nsA, outside), 'a pings the host\'s own address');
  await check({ network: name, containerId: `${tag}-ca` }, opts);
  await check({ network: name, containerId: `${tag}-cb` }, opts);

  // Peers and hosts files.
  const peers = networkPeers(name, opts);
  assert.deepEqual(peers.map((p) => [p.name, p.ip]).sort(), [['alpha', bare(a.ips[0])], ['beta', bare(b.ips[0])]].sort());
  const hostsA = hostsFor({ containerId: `${tag}-ca`, hostname: 'alpha-host' }, opts);
  assert.match(hostsA, new RegExp(`^${bare(a.ips[0])}\\talpha-host alpha web$`, 'm'));
  assert.match(hostsA, new RegExp(`^${bare(b.ips[0])}\\tbeta `, 'm'));
  assert.match(hostsA, /^127\.0\.0\.1\tlocalhost$/m);

  // A server inside netns a, reached from the host through the published port.
  const www = join(root, 'www');
  mkdirSync(www);
  writeFileSync(join(www, 'index.html'), `hello from ${tag}\n`);
  clean.processes.push(startHttpd(nsA, www, 8080));
  assert.equal(await httpGet(`http://127.0.0.1:${hostPort}/`), `hello from ${tag}\n`);
  assert.equal(await httpGet(`http://127.0.0.1:${loopbackPort}/`), `hello from ${tag}\n`);
  const hostIP = hostIPv4();
  if (hostIP) {
    assert.equal(await httpGet(`http://${hostIP}:${hostPort}/`), `hello from ${tag}\n`);
    // Published on 127.0.0.1 only: not on the host's other addresses.
    await assert.rejects(httpGet(`http://${hostIP}:${loopbackPort}/`, 500));
  }
  // And from the other container straight to the address.
  assert.match(inNetns(nsB, ['sh', '-c', `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | busybox nc -w 3 ${bare(a.ips[0])} 8080`]), new RegExp(`hello from ${tag}`));

  // The same host port again, or one a host process holds: refused before any plugin runs.
  await assert.rejects(attach({ network: name, containerId: `${tag}-cc`, netnsPath: nsC, portMappings: parsePublish(`${hostPort}:80`) }, opts),
    (e: unknown) => e instanceof PortInUseError && e.hostPort === hostPort);
  const holder = createServer();
  await new Promise<void>((r) => holder.listen({ host: '127.0.0.1', port: 0 }, () => r()));
  t.after(() => holder.close());
  const held = (holder.address() as { port: number }).port;
  await assert.rejects(attach({ network: name, containerId: `${tag}-cc`, netnsPath: nsC, portMappings: parsePublish(`127.0.0.1:${held}:80`) }, opts),
    (e: unknown) => e instanceof PortInUseError && /a process on the host/.test(e.message));
  assert.doesNotMatch(inNetns(nsC, ['ip', '-br', 'link']), /eth0/);
  assert.equal((await inspectNetwork(name, opts)).containers.length, 2);

  await assert.rejects(removeNetwork(name, opts), NetworkInUseError);

  // Teardown: what the attachments created on the host, to check it is all gone afterwards.
  const recs: AttachmentRecord[] = (await inspectNetwork(name, opts)).containers;
  const hostVeths = recs.flatMap((r) => (r.result.interfaces ?? []).filter((i) => !i.sandbox && i.name !== net.bridge).map((i) => i.name));
  assert.equal(hostVeths.length, 2);
  // No per-container nat chain: the network's one MASQUERADE rule, once for two containers.
  const saved = iptablesSave();
  for (const cid of [`${tag}-ca`, `${tag}-cb`]) assert.ok(!saved.includes(masqueradeChain(name, cid).chain), `no masquerade chain for ${cid}`);
  assert.deepEqual(masqueradeRules(saved, net.bridge), [
    `-A BERTH-POSTROUTING -s ${net.subnet} ! -d 224.0.0.0/4 ! -o ${net.bridge} -m comment --comment "berth network ${name}" -j MASQUERADE`,
  ]);

  assert.equal(await detach({ network: name, containerId: `${tag}-ca` }, opts), true);
  assert.equal(await detach({ network: name, containerId: `${tag}-cb` }, opts), true);
  assert.equal(await detach({ network: name, containerId: `${tag}-cb` }, opts), false);
  assert.doesNotMatch(inNetns(nsA, ['ip', '-br', 'link']), /eth0/);
  const leases = readdirSync(join(root, 'ipam', name)).filter((f) => /^\d+\.\d+\.\d+\.\d+$/.test(f));
  assert.deepEqual(leases, [], 'host-local leases released');

  await removeNetwork(name, opts);
  const after = links();
  assert.ok(!after.some((l) => l.ifname === net.bridge), 'bridge removed');
  for (const v of hostVeths) assert.ok(!after.some((l) => l.ifname === v), `veth ${v} removed`);
  const rules = iptablesSave();
  assert.deepEqual(masqueradeRules(rules, net.bridge), [], 'the network\'s masquerade rule is gone');
  for (const needle of [net.bridge, `${net.subnet} `, `${tag}-c`, masqueradeChain(name, `${tag}-ca`).chain, masqueradeChain(name, `${tag}-cb`).chain,
    `${bare(a.ips[0])}/32`, `${bare(b.ips[0])}/32`, `--dport ${hostPort} `, `--dports ${hostPort} `]) {
    assert.ok(!rules.includes(needle), `iptables still mentions ${needle}`);
  }
  assert.ok(!existsSync(join(root, 'ipam', name)));
  assert.ok(!existsSync(join(root, 'networks', `${name}.json`)));
});

test('detach after the netns is gone still releases everything', { skip: !isRoot && 'needs root' }, async (t) => {
  const { root, opts, clean } = fixture(t);
  const name = `${tag}-n2`;
  clean.networks.push(name);
  const net = await createNetwork({ name }, opts);
  const ns = await createNetns(`${tag}-d`);
  clean.netns.push(ns);
  const cid = `${tag}-cd`;
  clean.attachments.push({ network: name, containerId: cid });
  const r = await attach({ network: name, containerId: cid, netnsPath: ns, portMappings: parsePublish('127.0.0.1::9090') }, opts);
  const { removeNetns } = await import('../../../src/network/index.ts');
  await removeNetns(ns);
  assert.ok(!existsSync(ns));
  assert.equal(await detach({ network: name, containerId: cid }, opts), true);
  const rules = iptablesSave();
  assert.ok(!rules.includes(masqueradeChain(name, cid).chain), 'masquerade chain swept');
  assert.ok(!rules.includes(`${bare(r.ips[0])}/32`), 'no rule for the address');
  assert.deepEqual(readdirSync(join(root, 'ipam', name)).filter((f) => /^\d+\.\d+\.\d+\.\d+$/.test(f)), []);
  await removeNetwork(name, opts);
  assert.ok(!links().some((l) => l.ifname === net.bridge));
});

test('internal network: peers reach each other, no way out, nothing published', { skip: !isRoot && 'needs root' }, async (t) => {
  const { opts, clean } = fixture(t);
  const name = `${tag}-n3`;
  clean.networks.push(name);
  const inet = await createNetwork({ name, internal: true, subnet: '10.89.250.0/24' }, opts);
  const ns1 = await createNetns(`${tag}-i1`);
  clean.netns.push(ns1);
  const ns2 = await createNetns(`${tag}-i2`);
  clean.netns.push(ns2);
  await assert.rejects(attach({ network: name, containerId: `${tag}-i0`, netnsPath: ns1, portMappings: parsePublish('80') }, opts),
    InvalidNetworkConfigError);
  // A plugin failing half-way (host-local refuses an address outside the range): rolled back.
  await assert.rejects(attach({ network: name, containerId: `${tag}-i0`, netnsPath: ns1, ip: '10.99.0.5' }, opts),
    (e: unknown) => e instanceof CniPluginError && e.command === 'ADD');
  assert.doesNotMatch(inNetns(ns1, ['ip', '-br', 'link']), /eth0/);
  assert.deepEqual(links().filter((l) => l.master === inet.bridge).map((l) => l.ifname), [], 'no veth left on the bridge');
  assert.equal((await inspectNetwork(name, opts)).containers.length, 0);
  clean.attachments.push({ network: name, containerId: `${tag}-i1` }, { network: name, containerId: `${tag}-i2` });
  const r1 = await attach({ network: name, containerId: `${tag}-i1`, netnsPath: ns1, ip: '10.89.250.77' }, opts);
  const r2 = await attach({ network: name, containerId: `${tag}-i2`, netnsPath: ns2 }, opts);
  assert.deepEqual(r1.ips, ['10.89.250.77/24']);
  assert.ok(ping(ns2, '10.89.250.77'));
  assert.doesNotMatch(inNetns(ns1, ['ip', 'route']), /default/);
  assert.ok(r2.ips[0].startsWith('10.89.250.'));
});

test('concurrent creations get distinct subnets', { skip: !isRoot && 'needs root' }, async (t) => {
  const { opts, clean } = fixture(t);
  const names = [1, 2, 3, 4].map((i) => `${tag}-p${i}`);
  clean.networks.push(...names);
  const nets = await Promise.all(names.map((name) => createNetwork({ name }, opts)));
  assert.equal(new Set(nets.map((n) => n.subnet)).size, 4);
  assert.equal(new Set(nets.map((n) => n.bridge)).size, 4);
});

test('state roots creating networks at once get distinct subnets, each routed to its own bridge at once', { skip: !isRoot && 'needs root' }, async (t) => {
  // The subnet is claimed (the bridge made with its address) under a host-wide lock: another
  // root's choice sees the route even before any container is attached.
  const roots = [fixture(t), fixture(t), fixture(t)];
  for (const r of roots) r.clean.networks.push(`${tag}-r`, 'berth');
  const nets = await Promise.all(roots.flatMap((r) => [createNetwork({ name: `${tag}-r` }, r.opts), inspectNetwork('berth', r.opts)]));
  assert.equal(new Set(nets.map((n) => n.subnet)).size, nets.length, nets.map((n) => n.subnet).join(' '));
  assert.equal(new Set(nets.map((n) => n.bridge)).size, nets.length);
  for (const n of nets) {
    const routes = JSON.parse(spawnSync('ip', ['-j', '-4', 'route', 'show', n.subnet], { encoding: 'utf8' }).stdout) as { dev: string }[];
    assert.deepEqual(routes.map((r) => r.dev), [n.bridge], `route of ${n.subnet}`);
  }
});

test('containers on different networks cannot reach each other', { skip: !isRoot && 'needs root' }, async (t) => {
  const { opts, clean } = fixture(t);
  const n1 = `${tag}-x1`;
  const n2 = `${tag}-x2`;
  clean.networks.push(n1, n2);
  await createNetwork({ name: n1 }, opts);
  await createNetwork({ name: n2 }, opts);
  const ns1 = await createNetns(`${tag}-x1`);
  clean.netns.push(ns1);
  const ns2 = await createNetns(`${tag}-x2`);
  clean.netns.push(ns2);
  clean.attachments.push({ network: n1, containerId: `${tag}-x1` }, { network: n2, containerId: `${tag}-x2` });
  const ns3 = await createNetns(`${tag}-x3`);
  clean.netns.push(ns3);
  clean.attachments.push({ network: n1, containerId: `${tag}-x3` });
  const r1 = await attach({ network: n1, containerId: `${tag}-x1`, netnsPath: ns1 }, opts);
  const r2 = await attach({ network: n2, containerId: `${tag}-x2`, netnsPath: ns2 }, opts);
  const r3 = await attach({ network: n1, containerId: `${tag}-x3`, netnsPath: ns3 }, opts);
  // Each reaches its own gateway and its own network, so routing works; the isolation rules
  // between berth bridges drop the rest.
  assert.ok(ping(ns1, r1.gateway));
  assert.ok(ping(ns1, bare(r3.ips[0])), 'same bridge passes');
  const outside = hostIPv4();
  if (outside) assert.ok(ping(ns2, outside), 'the host\'s own address is reachable');
  assert.ok(!ping(ns1, bare(r2.ips[0])), 'network 1 must not reach network 2');
  assert.ok(!ping(ns2, bare(r1.ips[0])), 'network 2 must not reach network 1');
  // The isolation is per network, once each, in berth's own chains.
  const saved = iptablesSave();
  for (const n of [n1, n2]) {
    const br = (await inspectNetwork(n, opts)).bridge;
    assert.equal(saved.split('\n').filter((l) => l.startsWith(`-A BERTH-ISOLATION-STAGE-1 -i ${br} ! -o ${br} `)).length, 1);
    assert.equal(saved.split('\n').filter((l) => l.startsWith(`-A BERTH-ISOLATION-STAGE-2 -o ${br} `) && l.endsWith('-j DROP')).length, 1);
  }
});

test('a network stored by an older berth (ipMasq, firewall plugin) gets the new conflist', { skip: !isRoot && 'needs root' }, async (t) => {
  const { root, opts, clean } = fixture(t);
  const name = `${tag}-old`;
  clean.networks.push(name);
  const net = await createNetwork({ name }, opts);
  // What berth wrote before per-network rules, and a network made before them: no rules yet.
  const file = join(root, 'networks', `${name}.conflist`);
  const old = JSON.parse(readFileSync(file, 'utf8'));
  old.plugins[0].ipMasq = true;
  old.plugins.push({ type: 'firewall', backend: 'iptables', ingressPolicy: 'same-bridge' });
  writeFileSync(file, JSON.stringify(old));
  await removeNetworkRules(net.bridge);
  assert.deepEqual(masqueradeRules(iptablesSave(), net.bridge), []);

  const ns = await createNetns(`${tag}-o1`);
  clean.netns.push(ns);
  clean.attachments.push({ network: name, containerId: `${tag}-o1` });
  await attach({ network: name, containerId: `${tag}-o1`, netnsPath: ns }, opts);
  const stored = JSON.parse(readFileSync(file, 'utf8'));
  assert.deepEqual(stored.plugins.map((p: { type: string }) => p.type), ['bridge', 'portmap']);
  assert.equal(stored.plugins[0].ipMasq, false);
  const rec = attachmentsOf(`${tag}-o1`, opts)[0];
  assert.deepEqual(rec.config.plugins.map((p) => p.type), ['bridge']);
  const saved = iptablesSave();
  assert.ok(!saved.includes(masqueradeChain(name, `${tag}-o1`).chain), 'no per-container masquerade chain');
  assert.equal(masqueradeRules(saved, net.bridge).length, 1, 'the network\'s rules came back with the attach');
});

test('concurrent attaches to a network without rules make each rule once', { skip: !isRoot && 'needs root' }, async (t) => {
  const { opts, clean } = fixture(t);
  const name = `${tag}-cc`;
  clean.networks.push(name);
  const net = await createNetwork({ name }, opts);
  await removeNetworkRules(net.bridge);
  const ids = [1, 2, 3, 4].map((i) => `${tag}-k${i}`);
  const nss: string[] = [];
  for (const id of ids) {
    nss.push(await createNetns(id));
    clean.netns.push(nss[nss.length - 1]);
    clean.attachments.push({ network: name, containerId: id });
  }
  // Four attaches and four more ensures from other "processes" of berth at once.
  await Promise.all([
    ...ids.map((id, i) => attach({ network: name, containerId: id, netnsPath: nss[i] }, opts)),
    ...ids.map(() => ensureNetworkRules(net)),
  ]);
  const lines = iptablesSave().split('\n').filter((l) => l.startsWith('-A ') && l.includes(`berth network ${name}"`));
  assert.equal(lines.length, 6, lines.join('\n'));
  assert.equal(new Set(lines).size, lines.length, 'no rule doubled');
  assert.equal(await ensureNetworkRules(net), false, 'nothing left to do');
});

test('an attachment made with the old chain (ipMasq, firewall) is detached with that chain', { skip: !isRoot && 'needs root' }, async (t) => {
  const { root, opts, clean } = fixture(t);
  const name = `${tag}-legacy`;
  clean.networks.push(name);
  const net = await createNetwork({ name }, opts);
  const ns = await createNetns(`${tag}-l1`);
  clean.netns.push(ns);
  const cid = `${tag}-l1`;
  clean.attachments.push({ network: name, containerId: cid });
  // What an older berth ran at ADD and recorded: the bridge's ipMasq and the firewall plugin.
  const current = JSON.parse(readFileSync(join(root, 'networks', `${name}.conflist`), 'utf8')) as Conflist;
  const old: Conflist = { ...current, plugins: [{ ...current.plugins[0], ipMasq: true }, { type: 'firewall', backend: 'iptables', ingressPolicy: 'same-bridge' }] };
  const rt = { containerId: cid, netns: ns, ifName: 'eth0', capabilityArgs: { portMappings: [] } };
  const result = await addNetworkList(old, rt);
  const s = summarize(result, 'eth0');
  writeAttachment(root, {
    network: name, containerId: cid, name: 'legacy', aliases: [], ifName: 'eth0', netnsPath: ns, ips: s.ips, mac: s.mac,
    gateway: s.gateway, portMappings: [], created: new Date().toISOString(), config: old, result,
  });
  const ip = bare(s.ips[0]);
  let saved = iptablesSave();
  assert.ok(saved.includes(masqueradeChain(name, cid).chain), 'the old ADD made its masquerade chain');
  assert.ok(saved.includes(`${ip}/32`), 'and the firewall plugin its rules for the address');
  await check({ network: name, containerId: cid }, opts);
  assert.equal(await detach({ network: name, containerId: cid }, opts), true);
  saved = iptablesSave();
  assert.ok(!saved.includes(masqueradeChain(name, cid).chain), 'masquerade chain gone');
  assert.ok(!saved.includes(`${ip}/32`), 'firewall rules gone');
  await removeNetwork(name, opts);
  assert.ok(!iptablesSave().includes(net.bridge), 'nothing names the bridge (isolation leftovers of the firewall plugin swept)');
});

test('a state root deleted without network rm: the next network made on the host removes its bridges and rules', { skip: !isRoot && 'needs root' }, async (t) => {
  const gone = makeTemp('berth-test-orphan-');
  let goneRemoved = false;
  t.after(() => { if (!goneRemoved) removeTemp(gone); });
  const user = await createNetwork({ name: `${tag}-o` }, { stateRoot: gone });
  const def = await inspectNetwork('berth', { stateRoot: gone });
  for (const n of [user, def]) {
    assert.ok(links().some((l) => l.ifname === n.bridge), `${n.bridge} made`);
    assert.ok(existsSync(join(BRIDGE_OWNERS, n.bridge)), `${n.bridge} registered`);
  }
  removeTemp(gone);
  goneRemoved = true;
  const { opts, clean } = fixture(t);
  clean.networks.push(`${tag}-n`);
  const next = await createNetwork({ name: `${tag}-n` }, opts);
  for (const n of [user, def]) {
    assert.ok(!links().some((l) => l.ifname === n.bridge), `${n.bridge} removed with its root`);
    assert.ok(!existsSync(join(BRIDGE_OWNERS, n.bridge)), `${n.bridge} unregistered`);
    assert.ok(!iptablesSave().includes(n.bridge), `no rule names ${n.bridge}`);
  }
  assert.ok(links().some((l) => l.ifname === next.bridge));
});
