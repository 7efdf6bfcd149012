// The engine's use of src/network: a named netns per running container, attached to its
// network (default bridge or a user network) with its published ports; /etc/hosts, hostname and
// resolv.conf written into the container dir (bound into the container), and the hosts files of
// peers on the same networks rewritten in place (same inode, so their bind mounts see it) when a
// container joins or leaves, so that containers resolve each other by name.
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  attach, attachmentsOf, createNetns, detach, hostsFor, networkPeers, removeNetns, resolvConf, resolvePortMappings, startPasta, startSlirp, stopPasta, stopSlirp,
  DEFAULT_NETWORK, PASTA_IFNAME, SLIRP_DNS, SLIRP_GATEWAY, SLIRP_IP,
  type HostEntry, type StoreOptions,
} from '../network/index.ts';
import type { EngineCore } from './core.ts';
import { recordEvent } from './events.ts';
import type { ContainerRecord } from './types.ts';

export function netOpts(engine: EngineCore): StoreOptions {
  return {
    stateRoot: engine.paths.networks, ...(engine.opts.cniPath ? { cniPath: engine.opts.cniPath } : {}),
    // Rootless, user networks live in the user's rootless netns (src/network/rootless-netns.ts).
    ...(engine.rootless() ? { rootlessDir: join(engine.paths.runRoot, 'rootless-netns') } : {}),
  };
}

import { networkName } from './network-name.ts';
export { networkName };

export async function attachNetworks(engine: EngineCore, rec: ContainerRecord): Promise<void> {
  await makeNetns(engine, rec);
  await connectNetworks(engine, rec);
}

/** The container's named netns (rec.state.netnsPath), empty: what the runtime joins. */
export async function makeNetns(engine: EngineCore, rec: ContainerRecord): Promise<void> {
  rec.state.netnsPath = await createNetns(`berth-${rec.id.slice(0, 32)}`, engine.paths.netns);
  engine.store.saveState(rec.id, rec.state);
}

/** The container's networks (CNI ADD) in the netns makeNetns made (its lo is up from the start). Independent of
 * the runtime's create, which only joins the netns: the engine runs the two at once. */
export async function connectNetworks(engine: EngineCore, rec: ContainerRecord): Promise<void> {
  const mode = rec.config.networkMode;
  if (usesSlirp(engine, rec)) return connectSlirp(engine, rec);
  if (mode === 'pasta') return connectPasta(engine, rec);
  const nets = [...(mode === 'none' ? [] : [networkName(mode)]), ...(rec.config.extraNetworks ?? [])];
  for (let i = 0; i < nets.length; i++) await attachOne(engine, rec, nets[i], `eth${i}`);
  refreshPeerHosts(engine, nets, rec.id);
}

/** Rootless, the default network is slirp4netns's (docs/rootless.md): no bridge without root. */
export function usesSlirp(engine: EngineCore, rec: ContainerRecord): boolean {
  return rec.config.networkMode === 'bridge' && engine.rootless() !== null;
}

function slirpFiles(engine: EngineCore, rec: ContainerRecord) {
  const dir = engine.dir(rec.id);
  // A unix socket path has 107 bytes at most: under the run root, by a short id.
  return { apiSocket: join(engine.paths.runRoot, 'slirp', `${rec.id.slice(0, 16)}.sock`), pidFile: join(dir, 'slirp4netns.pid'), logPath: join(dir, 'slirp4netns.log') };
}

async function connectSlirp(engine: EngineCore, rec: ContainerRecord): Promise<void> {
  const files = slirpFiles(engine, rec);
  mkdirSync(join(engine.paths.runRoot, 'slirp'), { recursive: true, mode: 0o700 });
  const ports = await resolvePortMappings(rec.config.publish);
  await startSlirp({ netnsPath: rec.state.netnsPath, ...files, ports });
  rec.state.networks.slirp4netns = { ip: SLIRP_IP, mac: '', gateway: SLIRP_GATEWAY, aliases: [] };
  rec.state.ports = ports;
  engine.store.saveState(rec.id, rec.state);
}

function pastaFiles(engine: EngineCore, rec: ContainerRecord) {
  const dir = engine.dir(rec.id);
  return { pidFile: join(dir, 'pasta.pid'), logPath: join(dir, 'pasta.log') };
}

/** --network pasta (rootless): pasta gives the netns the host's address and routes on eth0 and
 * forwards the published ports itself (src/network/pasta.ts). */
async function connectPasta(engine: EngineCore, rec: ContainerRecord): Promise<void> {
  const ports = await resolvePortMappings(rec.config.publish);
  await startPasta({ netnsPath: rec.state.netnsPath, ...pastaFiles(engine, rec), ports });
  const ip = await netnsAddress(rec.state.netnsPath, PASTA_IFNAME).catch(() => ({ ip: '', gateway: '' }));
  rec.state.networks.pasta = { ip: ip.ip, mac: '', gateway: ip.gateway, aliases: [] };
  rec.state.ports = ports;
  engine.store.saveState(rec.id, rec.state);
}

/** The IPv4 address and default gateway pasta configured in the netns (for inspect). */
function netnsAddress(netnsPath: string, ifName: string): Promise<{ ip: string; gateway: string }> {
  return new Promise((resolve, reject) => {
    execFile('nsenter', [`--net=${netnsPath}`, '--', 'ip', '-j', '-4', 'addr', 'show', 'dev', ifName], (err, out) => {
      if (err) { reject(err); return; }
      const addr = (JSON.parse(out || '[]') as { addr_info?: { local?: string }[] }[])[0]?.addr_info?.[0]?.local ?? '';
      execFile('nsenter', [`--net=${netnsPath}`, '--', 'ip', '-j', '-4', 'route', 'show', 'default'], (err2, out2) => {
        const gw = err2 ? '' : (JSON.parse(out2 || '[]') as { gateway?: string }[])[0]?.gateway ?? '';
        resolve({ ip: addr, gateway: gw });
      });
    });
  });
}

/** Stops a container's pasta, if it has one (teardown). */
export function stopPastaOf(engine: EngineCore, rec: ContainerRecord): void {
  stopPasta(pastaFiles(engine, rec).pidFile);
  delete rec.state.networks.pasta;
}

/** Stops a container's slirp4netns, if it has one (teardown). */
export function stopSlirpOf(engine: EngineCore, rec: ContainerRecord): void {
  const files = slirpFiles(engine, rec);
  stopSlirp(files.pidFile);
  rmSync(files.apiSocket, { force: true });
  delete rec.state.networks.slirp4netns;
}

/** Attaches a running container's netns to one more network (ifName eth<N>). */
export async function attachOne(engine: EngineCore, rec: ContainerRecord, net: string, ifName?: string): Promise<void> {
  const used = new Set(attachmentsOf(rec.id, netOpts(engine)).map((a) => a.ifName));
  let n = 0;
  while (!ifName && used.has(`eth${n}`)) n++;
  const aliases = net === DEFAULT_NETWORK ? [] : [...rec.config.networkAliases, rec.config.hostname];
  const res = await attach({
    network: net, containerId: rec.id, netnsPath: rec.state.netnsPath, name: rec.name, ifName: ifName ?? `eth${n}`,
    aliases, portMappings: ifName === 'eth0' ? rec.config.publish : [],
  }, netOpts(engine));
  rec.state.networks[net] = { ip: res.ips[0]?.split('/')[0] ?? '', mac: res.mac, gateway: res.gateway, aliases };
  // The host end of the veth pair, from the CNI result: the events log names it, so that what a
  // container put on the host can be traced (and checked gone) later.
  const record = attachmentsOf(rec.id, netOpts(engine)).find((a) => a.network === net);
  const hostVeth = record?.result.interfaces?.find((i) => !i.sandbox && i.name.startsWith('veth'))?.name;
  recordEvent(engine.paths, { id: rec.id, name: rec.name, action: 'connect', network: net, ...(hostVeth ? { hostVeth } : {}) });
  if (res.portMappings.length) rec.state.ports = res.portMappings;
  engine.store.saveState(rec.id, rec.state);
}

/** Detaches from every network src/network has on record for the container (or just `only`). */
export async function detachNetworks(engine: EngineCore, rec: ContainerRecord, only?: string): Promise<void> {
  // A container of --network none/host has no attachment to look for (connect refuses them):
  // no scan of every network's attachments (~3 ms) on their way out.
  const mode = rec.config.networkMode;
  if ((mode === 'none' || mode === 'host') && !(rec.config.extraNetworks ?? []).length && !Object.keys(rec.state.networks).length) return;
  const errors: Error[] = [];
  for (const a of attachmentsOf(rec.id, netOpts(engine))) {
    if (only && a.network !== only) continue;
    try { await detach({ network: a.network, containerId: rec.id, ifName: a.ifName, force: true }, netOpts(engine)); } catch (e) { errors.push(e as Error); }
  }
  for (const net of Object.keys(rec.state.networks)) if (!only || net === only) delete rec.state.networks[net];
  if (errors.length) rec.state.error = errors.map((e) => e.message).join('; ');
}

export function parseExtraHosts(list: string[]): HostEntry[] {
  return list.map((h) => {
    const i = h.indexOf(':');
    const name = h.slice(0, i), ip = h.slice(i + 1);
    return { ip: ip === 'host-gateway' ? '172.17.0.1' : ip, names: [name] };
  });
}

/** Writes hosts, hostname and resolv.conf for a container about to start. */
export function writeEtcFiles(engine: EngineCore, rec: ContainerRecord): void {
  const dir = engine.dir(rec.id), c = rec.config;
  const extraHosts = parseExtraHosts(c.extraHosts);
  let hosts: string;
  if (c.networkMode === 'host') {
    hosts = readFileSync('/etc/hosts', 'utf8');
    if (extraHosts.length) hosts += extraHosts.map((e) => `${e.ip}\t${e.names.join(' ')}`).join('\n') + '\n';
  } else {
    hosts = hostsFor({ containerId: rec.id, hostname: c.hostname, extraHosts }, netOpts(engine));
  }
  writeInPlace(join(dir, 'hosts'), hosts);
  writeInPlace(join(dir, 'hostname'), `${c.hostname}\n`);
  // slirp4netns answers DNS itself (from the host's resolv.conf): the host's loopback resolvers
  // are out of its reach. Rootless user networks go out through the rootless netns's
  // slirp4netns, so they use it too.
  const viaSlirp = usesSlirp(engine, rec) || (engine.rootless() !== null && c.networkMode !== 'none' && c.networkMode !== 'host' && c.networkMode !== 'pasta');
  const dns = c.dns.length || !viaSlirp ? c.dns : [SLIRP_DNS];
  writeInPlace(join(dir, 'resolv.conf'), resolvConf({ dns, search: c.dnsSearch, options: c.dnsOptions }));
}

function writeInPlace(path: string, text: string): void {
  // Truncate-and-write keeps the inode a running container has bind-mounted.
  writeFileSync(path, text);
}

/** Rewrites the hosts files of the running containers on `networks` (except `except`). */
export function refreshPeerHosts(engine: EngineCore, networks: string[], except: string): void {
  const ids = new Set<string>();
  for (const n of networks) {
    if (n === DEFAULT_NETWORK) continue; // docker's default bridge has no name resolution
    for (const p of networkPeers(n, netOpts(engine))) if (p.containerId !== except) ids.add(p.containerId);
  }
  for (const id of ids) {
    const peer = engine.store.get(id);
    if (!peer) continue;
    try {
      writeInPlace(join(engine.dir(id), 'hosts'), hostsFor({ containerId: id, hostname: peer.config.hostname, extraHosts: parseExtraHosts(peer.config.extraHosts) }, netOpts(engine)));
    } catch { /* the peer is being removed */ }
  }
}

export { removeNetns };
