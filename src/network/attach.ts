// Attaching a container's netns to a network (CNI ADD), detaching it (DEL) and checking it (CHECK).
import { existsSync } from 'node:fs';
import { addNetworkList, checkNetworkList, delNetworkList, execPlugin } from './cni.ts';
import type { CniExecOptions, CniResult, CniRuntimeConf } from './cni.ts';
import { attachmentChain, CNI_VERSION } from './conflist.ts';
import type { Conflist } from './conflist.ts';
import {
  AlreadyAttachedError, CniPluginError, DetachError, InvalidNetworkConfigError, NetworkNotFoundError, NotAttachedError,
} from './errors.ts';
import { ensureNetworkRules } from './firewall.ts';
import { sweepMasquerade } from './host.ts';
import { currentConflist, ensureDefaultUnlocked } from './networks.ts';
import { resolvePortMappings } from './publish.ts';
import type { PortMapping, PublishRequest } from './publish.ts';
import { currentRootlessNetns, ensureRootlessNetns, removeRootlessNetns, rootlessNetnsFiles } from './rootless-netns.ts';
import { addForward, removeForward, SLIRP_IP } from './slirp.ts';
import { DEFAULT_NETWORK } from './subnet.ts';
import {
  allAttachments, deleteAttachment, locked, readAttachment, readNetwork, stateRoot, writeAttachment,
} from './store.ts';
import type { AttachmentRecord, StoreOptions } from './store.ts';

export interface AttachRequest {
  network: string;
  containerId: string;
  netnsPath: string;
  /** Interface name inside the netns; default eth0. */
  ifName?: string;
  /** The container's name as peers resolve it; default the first 12 characters of the id. */
  name?: string;
  aliases?: string[];
  /** Ports to publish; hostPort 0 picks a free port (see parsePublish). */
  portMappings?: PublishRequest[];
  /** A specific address from the network's subnet (host-local's IP argument). */
  ip?: string;
}

export interface AttachResult {
  /** Addresses with prefix length, e.g. ["10.89.0.2/24"]. */
  ips: string[];
  mac: string;
  gateway: string;
  interface: string;
  portMappings: PortMapping[];
}

export interface DetachRequest {
  network: string;
  containerId: string;
  ifName?: string;
  /** Drop the attachment record even when a plugin's DEL failed (its error is still thrown). */
  force?: boolean;
}

const LOOPBACK_CONF = { cniVersion: CNI_VERSION, name: 'berth-loopback', type: 'loopback' };

function execOpts(opts: StoreOptions, netns?: string): CniExecOptions {
  return { ...(opts.cniPath ? { cniPath: opts.cniPath } : {}), ...(netns ? { netns } : {}) };
}

/** Rootless: the rootless netns goes once no container of this state root is attached to
 * anything (rootless-netns.ts). The caller holds the lock. */
async function releaseRootlessNetns(root: string, opts: StoreOptions): Promise<void> {
  if (opts.rootlessDir && allAttachments(root).length === 0) await removeRootlessNetns(opts.rootlessDir);
}

/** The rootless netns (made if needed). When its slirp4netns had to be started again, the
 * published ports of the attachments on record are forwarded again (new ids recorded). The
 * caller holds the lock. */
async function rootlessNetns(root: string, dir: string): Promise<string> {
  const { netns, restarted } = await ensureRootlessNetns(dir);
  if (!restarted) return netns;
  const api = rootlessNetnsFiles(dir).apiSocket;
  for (const a of allAttachments(root)) {
    if (!a.hostForwards?.length) continue;
    const again: { id: number; mapping: PortMapping }[] = [];
    for (const f of a.hostForwards) {
      try { again.push({ id: await addForward(api, f.mapping, { addr: SLIRP_IP, port: f.mapping.hostPort }), mapping: f.mapping }); } catch { /* the port is taken meanwhile: it stays closed */ }
    }
    writeAttachment(root, { ...a, hostForwards: again });
  }
  return netns;
}

/** Removes slirp4netns host forwards; failures are collected, not thrown. */
async function removeForwards(dir: string, forwards: { id: number }[], errors: Error[] = []): Promise<Error[]> {
  const api = rootlessNetnsFiles(dir).apiSocket;
  for (const f of forwards) {
    try { await removeForward(api, f.id); } catch (e) { errors.push(e as Error); }
  }
  return errors;
}

/** Brings `lo` up in a netns through the loopback plugin (idempotent): for a namespace made
 * elsewhere; createNetns's namespaces have it up from the start. */
export async function loopbackUp(netnsPath: string, containerId: string, opts: StoreOptions = {}): Promise<void> {
  const rt: CniRuntimeConf = { containerId, netns: netnsPath, ifName: 'lo' };
  await execPlugin('ADD', LOOPBACK_CONF.name, { type: 'loopback' }, LOOPBACK_CONF, rt, execOpts(opts));
}

/** The interface, addresses and gateway of the container side, from a CNI result. */
export function summarize(result: CniResult, ifName: string): { ips: string[]; mac: string; gateway: string } {
  const ifaces = result.interfaces ?? [];
  let idx = ifaces.findIndex((i) => i.name === ifName && i.sandbox);
  if (idx < 0) idx = ifaces.findIndex((i) => i.name === ifName);
  const ips = (result.ips ?? []).filter((ip) => idx < 0 || ip.interface === undefined || ip.interface === idx);
  return {
    ips: ips.map((ip) => ip.address),
    mac: idx >= 0 ? ifaces[idx].mac ?? '' : '',
    gateway: ips.find((ip) => ip.gateway)?.gateway ?? '',
  };
}

function runtimeConf(a: { containerId: string; netnsPath: string; ifName: string; portMappings: PortMapping[]; ip?: string }): CniRuntimeConf {
  const rt: CniRuntimeConf = {
    containerId: a.containerId,
    netns: a.netnsPath,
    ifName: a.ifName,
    capabilityArgs: { portMappings: a.portMappings },
  };
  if (a.ip) rt.args = [['IP', a.ip]];
  return rt;
}

export async function attach(req: AttachRequest, opts: StoreOptions = {}): Promise<AttachResult> {
  const root = stateRoot(opts);
  const ifName = req.ifName ?? 'eth0';
  if (!/^[A-Za-z0-9_.-]{1,15}$/.test(ifName)) throw new InvalidNetworkConfigError('ifName', ifName, 'must be 1-15 characters [A-Za-z0-9_.-]');
  if (!/^[A-Za-z0-9_.-]+$/.test(req.containerId)) throw new InvalidNetworkConfigError('containerId', req.containerId, 'must be [A-Za-z0-9_.-]+');
  if (!existsSync(req.netnsPath)) throw new InvalidNetworkConfigError('netnsPath', req.netnsPath, 'does not exist');
  return locked(root, async () => {
    const info = req.network === DEFAULT_NETWORK ? await ensureDefaultUnlocked(root, opts) : readNetwork(root, req.network);
    if (!info) throw new NetworkNotFoundError(req.network);
    const config = currentConflist(root, info);
    if (readAttachment(root, req.network, req.containerId, ifName)) throw new AlreadyAttachedError(req.network, req.containerId, ifName);
    if (info.internal && req.portMappings?.length) {
      throw new InvalidNetworkConfigError('portMappings', req.portMappings, `network ${JSON.stringify(info.name)} is internal: nothing can be published`);
    }
    const published = await resolvePortMappings(req.portMappings ?? [], allAttachments(root).flatMap((a) => a.portMappings));
    // Rootless, the plugins and rules run in the user's rootless netns (made now if needed), and
    // every published port arrives there at 10.0.2.100 (a slirp4netns forward): portmap's DNAT
    // matches the port alone, so two mappings on one port conflict whatever their host address.
    const hostNs = opts.rootlessDir ? await rootlessNetns(root, opts.rootlessDir) : undefined;
    const portMappings = hostNs ? published.map(({ hostIP: _, ...m }) => m) : published;
    // lo is up already: createNetns brings it up as it makes the namespace.
    const rt = runtimeConf({ containerId: req.containerId, netnsPath: req.netnsPath, ifName, portMappings, ip: req.ip });
    // (the record keeps the chain ADD ran, which DEL and CHECK then use)
    const chain = attachmentChain(config, portMappings);
    // The network's host rules (masquerade, FORWARD, isolation): checked (one iptables-save)
    // while the plugins run, made only if missing: a network may predate them, or share its
    // bridge (berth0, as an older berth made every root's default network) with another state
    // root that removed it.
    const place = hostNs ? { netns: hostNs, lock: rootlessNetnsFiles(opts.rootlessDir!).rulesLock } : undefined;
    const rules = ensureNetworkRules(info, place).then(() => undefined, (e: unknown) => e as Error);
    let result: CniResult;
    const hostForwards: { id: number; mapping: PortMapping }[] = [];
    try {
      result = await addNetworkList(chain, rt, execOpts(opts, hostNs));
      const rulesError = await rules;
      if (rulesError) throw rulesError;
      for (const m of hostNs ? published : []) {
        hostForwards.push({ id: await addForward(rootlessNetnsFiles(opts.rootlessDir!).apiSocket, m, { addr: SLIRP_IP, port: m.hostPort }), mapping: m });
      }
    } catch (e) {
      await rules;
      if (hostForwards.length) await removeForwards(opts.rootlessDir!, hostForwards);
      // Undo what the plugins before the failing one did (DEL tolerates missing pieces).
      await delNetworkList(chain, rt, undefined, execOpts(opts, hostNs));
      if (masquerades(chain)) await sweepMasquerade(chain.name, req.containerId);
      await releaseRootlessNetns(root, opts);
      throw e;
    }
    const s = summarize(result, ifName);
    const record: AttachmentRecord = {
      network: req.network, containerId: req.containerId, name: req.name ?? req.containerId.slice(0, 12),
      aliases: [...(req.aliases ?? [])], ifName, netnsPath: req.netnsPath, ips: s.ips, mac: s.mac,
      gateway: s.gateway, portMappings, ...(hostNs ? { hostForwards } : {}), created: new Date().toISOString(), config: chain, result,
    };
    writeAttachment(root, record);
    return { ips: s.ips, mac: s.mac, gateway: s.gateway, interface: ifName, portMappings: published };
  });
}

/** Whether the chain's bridge plugin makes a masquerade chain per container (berth before per-network rules). */
export function masquerades(config: Conflist): boolean {
  return config.plugins.some((p) => p.type === 'bridge' && p.ipMasq === true);
}

/** Runs DEL for an attachment (plugins in reverse, with the cached ADD result) and forgets it.
 * Resolves false when there was nothing to detach. A netns that is already gone is fine. */
export async function detach(req: DetachRequest, opts: StoreOptions = {}): Promise<boolean> {
  const root = stateRoot(opts);
  const ifName = req.ifName ?? 'eth0';
  return locked(root, async () => {
    const rec = readAttachment(root, req.network, req.containerId, ifName);
    if (!rec) return false;
    const rt = runtimeConf(rec);
    // DEL with a netns path that no longer exists makes some plugins fail; the spec allows none.
    const netnsGone = !existsSync(rec.netnsPath);
    if (netnsGone) rt.netns = '';
    // Rootless: DEL runs in the rootless netns. If that is gone (its holder was killed), its
    // bridge, veths and rules went with it: only the bridge plugin's DEL still has work (its
    // IPAM lease, a file), and it does that without a netns.
    const hostNs = opts.rootlessDir ? currentRootlessNetns(opts.rootlessDir) : undefined;
    const config = opts.rootlessDir && !hostNs ? { ...rec.config, plugins: rec.config.plugins.filter((p) => p.type === 'bridge') } : rec.config;
    if (opts.rootlessDir && !hostNs) rt.netns = '';
    const errors = hostNs && rec.hostForwards?.length ? await removeForwards(opts.rootlessDir!, rec.hostForwards) : [];
    errors.push(...await delNetworkList(config, rt, rec.result, execOpts(opts, hostNs)));
    // Attachments made with ipMasq (older berths): with the netns there the bridge plugin removed
    // the masquerade rules itself (it finds the addresses inside); without it, or after a
    // failed DEL, they may be left: swept here.
    if (masquerades(rec.config) && (netnsGone || errors.length)) {
      try {
        await sweepMasquerade(rec.config.name, rec.containerId);
      } catch (e) {
        errors.push(e as Error);
      }
    }
    if (errors.length === 0 || req.force) deleteAttachment(root, req.network, req.containerId, ifName);
    await releaseRootlessNetns(root, opts);
    if (errors.length > 0) throw new DetachError(req.network, req.containerId, errors);
    return true;
  });
}

/** Runs CHECK for an attachment; throws the first plugin's failure. */
export async function check(req: { network: string; containerId: string; ifName?: string }, opts: StoreOptions = {}): Promise<void> {
  const root = stateRoot(opts);
  const ifName = req.ifName ?? 'eth0';
  const rec = readAttachment(root, req.network, req.containerId, ifName);
  if (!rec) throw new NotAttachedError(req.network, req.containerId, ifName);
  try {
    await checkNetworkList(rec.config, runtimeConf(rec), rec.result, execOpts(opts, opts.rootlessDir ? rootlessNetnsFiles(opts.rootlessDir).netns : undefined));
  } catch (e) {
    if (!isPortmapV6CheckBug(e, rec)) throw e;
    // portmap (through v1.2) CHECKs ip6tables rules even for IPv4-only results and always fails
    // there (containernetworking/plugins#819); its IPv4 rules were checked before it got there.
    // The plugins after it still need their CHECK.
    const rest = rec.config.plugins.slice(rec.config.plugins.findIndex((p) => p.type === 'portmap') + 1);
    await checkNetworkList({ ...rec.config, plugins: rest }, runtimeConf(rec), rec.result, execOpts(opts, opts.rootlessDir ? rootlessNetnsFiles(opts.rootlessDir).netns : undefined));
  }
}

function isPortmapV6CheckBug(e: unknown, rec: AttachmentRecord): boolean {
  return e instanceof CniPluginError && e.plugin === 'portmap' && /could not check ipv6 dnat/.test(e.message) &&
    rec.ips.every((ip) => !ip.includes(':'));
}

/** The networks a container is attached to, with their records. */
export function attachmentsOf(containerId: string, opts: StoreOptions = {}): AttachmentRecord[] {
  return allAttachments(stateRoot(opts)).filter((a) => a.containerId === containerId);
}
