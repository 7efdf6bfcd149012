// Run by forward-drop.test.ts as `unshare -n node forward-drop.scenario.ts <stateRoot> <netnsDir>`:
// in a network namespace of its own (never the host's FORWARD chain, which other suites use at
// the same time), with FORWARD's policy DROP as docker sets it, two berth networks and an
// "outside" namespace behind a veth that has no route back to berth's subnets. Prints what it
// observed as JSON on stdout; cleans up what it made outside its own netns (the netns mounts).
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { attach, createNetns, createNetwork, detach, parsePublish, removeNetns, removeNetwork } from '../../../src/network/index.ts';
import { ensureNetworkRules, removeNetworkRules } from '../../../src/network/firewall.ts';
import { httpGet, inNetns, startHttpd } from './helpers.ts';

const [stateRoot, netnsDir] = process.argv.slice(2);
const opts = { stateRoot };
const OUTSIDE = '192.0.2.1';
const HOST = '192.0.2.2';

function sh(cmd: string[]): string {
  return execFileSync(cmd[0], cmd.slice(1), { encoding: 'utf8' });
}

function ping(netns: string, ip: string): boolean {
  try {
    inNetns(netns, ['busybox', 'ping', '-c', '1', '-W', '1', ip]);
    return true;
  } catch {
    return false;
  }
}

const made: string[] = [];
const attached: { network: string; containerId: string }[] = [];
const networks: string[] = [];
const out: Record<string, unknown> = {};
let httpd: ReturnType<typeof startHttpd> | undefined;
try {
  sh(['ip', 'link', 'set', 'lo', 'up']);
  sh(['iptables', '-w', '-P', 'FORWARD', 'DROP']);
  const outside = await createNetns('outside', netnsDir);
  made.push(outside);
  inNetns(outside, ['ip', 'link', 'add', 'vout', 'type', 'veth', 'peer', 'name', 'vhost', 'netns', String(process.pid)]);
  inNetns(outside, ['ip', 'addr', 'add', `${OUTSIDE}/30`, 'dev', 'vout']);
  inNetns(outside, ['ip', 'link', 'set', 'vout', 'up']);
  sh(['ip', 'addr', 'add', `${HOST}/30`, 'dev', 'vhost']);
  sh(['ip', 'link', 'set', 'vhost', 'up']);

  networks.push('n1', 'n2');
  const n1 = await createNetwork({ name: 'n1' }, opts);
  await createNetwork({ name: 'n2' }, opts);
  const ns: Record<string, string> = {};
  for (const c of ['a', 'b', 'c']) {
    ns[c] = await createNetns(c, netnsDir);
    made.push(ns[c]);
  }
  attached.push({ network: 'n1', containerId: 'a' }, { network: 'n1', containerId: 'b' }, { network: 'n2', containerId: 'c' });
  const a = await attach({ network: 'n1', containerId: 'a', netnsPath: ns.a, portMappings: parsePublish('8080') }, opts);
  const b = await attach({ network: 'n1', containerId: 'b', netnsPath: ns.b }, opts);
  const c = await attach({ network: 'n2', containerId: 'c', netnsPath: ns.c }, opts);
  const ip = (r: { ips: string[] }) => r.ips[0].split('/')[0];

  try {
    out.bridgeNf = sh(['cat', '/proc/sys/net/bridge/bridge-nf-call-iptables']).trim() === '1';
  } catch {
    out.bridgeNf = false;
  }
  out.policy = sh(['iptables', '-S', 'FORWARD']).split('\n')[0];
  out.sameBridge = ping(ns.a, ip(b));
  out.outside = ping(ns.a, OUTSIDE);
  out.otherNetwork = ping(ns.a, ip(c));
  out.otherNetworkBack = ping(ns.c, ip(a));
  const www = join(stateRoot, 'www');
  mkdirSync(www);
  writeFileSync(join(www, 'index.html'), 'published\n');
  httpd = startHttpd(ns.a, www, 8080);
  // From the outside namespace to the host's address: portmap's DNAT, then FORWARD.
  await httpGet(`http://127.0.0.1:${a.portMappings[0].hostPort}/`).catch(() => ''); // wait for httpd
  try {
    out.published = inNetns(outside, ['sh', '-c', `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | busybox nc -w 2 ${HOST} ${a.portMappings[0].hostPort}`]);
  } catch {
    out.published = '';
  }
  out.rules = sh(['iptables', '-S', 'BERTH-FORWARD']) + sh(['iptables', '-S', 'BERTH-ISOLATION-STAGE-1']) +
    sh(['iptables', '-S', 'BERTH-ISOLATION-STAGE-2']) + sh(['iptables', '-t', 'nat', '-S', 'BERTH-POSTROUTING']);
  // Without the network's rules the same traffic stops: they are what lets it through.
  await removeNetworkRules(n1.bridge);
  out.outsideWithoutRules = ping(ns.a, OUTSIDE);
  out.sameBridgeWithoutRules = ping(ns.a, ip(b));
  out.reensured = await ensureNetworkRules(n1);
  out.outsideAgain = ping(ns.a, OUTSIDE);
} catch (e) {
  out.error = (e as Error).stack ?? String(e);
} finally {
  if (httpd && httpd.exitCode === null) {
    httpd.kill('SIGKILL');
    await new Promise((r) => httpd!.once('close', r));
  }
  for (const x of attached) await detach({ ...x, force: true }, opts).catch(() => false);
  for (const n of networks) await removeNetwork(n, opts).catch(() => undefined);
  for (const p of made.reverse()) await removeNetns(p).catch(() => undefined);
}
process.stdout.write(JSON.stringify(out) + '\n');
