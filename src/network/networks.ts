// Creating, listing, inspecting and removing networks in the state root.
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildConflist } from './conflist.ts';
import type { Conflist } from './conflist.ts';
import { ensureNetworkRules, removeNetworkRules } from './firewall.ts';
import { InvalidNetworkConfigError, NetworkExistsError, NetworkInUseError, NetworkNotFoundError } from './errors.ts';
import { deleteLink, ensureBridge, hostRoutes, sweepBridgeRules } from './host.ts';
import { withLock } from './lock.ts';
import { currentRootlessNetns, rootlessNetnsFiles } from './rootless-netns.ts';
import { SLIRP_SUBNET } from './slirp.ts';
import { DEFAULT_NETWORK, checkSubnet, gatewayFor, pickDefaultSubnet, pickUserSubnet } from './subnet.ts';
import type { TakenSubnet } from './subnet.ts';
import {
  DEFAULT_STATE_ROOT, deleteNetworkFiles, listNetworkInfos, locked, paths, readAttachments, readConflist, readNetwork, stateRoot,
  writeJsonAtomic, writeNetwork,
} from './store.ts';
import type { AttachmentRecord, NetworkInfo, StoreOptions } from './store.ts';

export interface CreateNetworkRequest {
  name: string;
  driver?: 'bridge';
  /** IPv4 CIDR; default 10.88.0.0/16 for "berth", else the first free 10.89.N.0/24. */
  subnet?: string;
  /** Default: the subnet's first host address. */
  gateway?: string;
  /** No gateway, no NAT, no published ports: containers only reach each other. */
  internal?: boolean;
  labels?: Record<string, string>;
  mtu?: number;
}

export interface NetworkDetails extends NetworkInfo {
  containers: AttachmentRecord[];
}

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** Host-wide, like the bridges and routes it guards: choosing a subnet and claiming it. */
export const SUBNETS_LOCK = '/run/berth/network-subnets.lock';

/** Host-wide: which network record each bridge berth made belongs to (a file per bridge holding
 * the record's path). A state root deleted without `network rm` (a test's or a bench's temporary
 * root) leaves its bridges, routes and rules behind; the next network made on the host removes
 * those whose record is gone. */
export const BRIDGE_OWNERS = '/run/berth/bridges';

/** Removes the bridges (and their rules) whose network record is gone; best effort, under
 * SUBNETS_LOCK. A bridge is registered only once its record is written (createUnlocked). */
async function sweepOrphanBridges(): Promise<void> {
  let names: string[];
  try { names = readdirSync(BRIDGE_OWNERS); } catch { return; }
  for (const bridge of names) {
    const entry = join(BRIDGE_OWNERS, bridge);
    let record = '';
    try { record = readFileSync(entry, 'utf8'); } catch { continue; }
    let owned = false;
    try { owned = (JSON.parse(readFileSync(record, 'utf8')) as NetworkInfo).bridge === bridge; } catch { /* gone */ }
    if (owned) continue;
    await deleteLink(bridge).catch(() => {});
    await removeNetworkRules(bridge).catch(() => false);
    await sweepBridgeRules(bridge).catch(() => {});
    rmSync(entry, { force: true });
  }
}

function registerBridge(root: string, info: NetworkInfo): void {
  try {
    mkdirSync(BRIDGE_OWNERS, { recursive: true, mode: 0o700 });
    writeFileSync(join(BRIDGE_OWNERS, info.bridge), paths.info(resolve(root), info.name));
  } catch { /* not swept later: as before */ }
}

/**
 * The default network's bridge: berth0 for the default state root (as ever), else berth0-
 * and 8 hex digits of the root's path (15 characters, IFNAMSIZ's limit). Each root's default
 * network has a subnet of its own, so it needs a bridge of its own: a shared one was deleted
 * by one root's teardown under another's containers.
 */
export function defaultBridge(root: string): string {
  const abs = resolve(root);
  if (abs === DEFAULT_STATE_ROOT) return 'berth0';
  return `berth0-${createHash('sha256').update(abs).digest('hex').slice(0, 8)}`;
}

async function takenSubnets(root: string, bridge: string): Promise<TakenSubnet[]> {
  const taken: TakenSubnet[] = listNetworkInfos(root).map((n) => ({ cidr: n.subnet, what: `network ${JSON.stringify(n.name)}` }));
  for (const r of await hostRoutes()) {
    // A leftover bridge of the same name (an earlier state root, a crash) is ours to reuse.
    if (r.dev !== bridge) taken.push({ cidr: r.dst, what: `host route via ${r.dev ?? '?'}` });
  }
  return taken;
}

/** The network's facts from a request: pure apart from the taken list. */
function planNetwork(req: CreateNetworkRequest, id: string, bridge: string, taken: TakenSubnet[]): NetworkInfo {
  const isDefault = req.name === DEFAULT_NETWORK;
  const subnet = req.subnet !== undefined ? checkSubnet(req.subnet, taken)
    : isDefault ? pickDefaultSubnet(taken) : pickUserSubnet(taken);
  const gateway = gatewayFor(subnet, req.gateway);
  if (req.mtu !== undefined && (!Number.isInteger(req.mtu) || req.mtu < 576 || req.mtu > 65535)) {
    throw new InvalidNetworkConfigError('mtu', req.mtu, 'must be an integer between 576 and 65535');
  }
  const info: NetworkInfo = {
    name: req.name, id, driver: 'bridge', bridge, subnet, gateway,
    internal: req.internal ?? false, labels: { ...(req.labels ?? {}) }, created: new Date().toISOString(),
  };
  if (req.mtu !== undefined) info.mtu = req.mtu;
  return info;
}

function validateRequest(req: CreateNetworkRequest): void {
  if (!NAME_RE.test(req.name)) {
    throw new InvalidNetworkConfigError('name', req.name, 'use 1-64 letters, digits, "_", "." or "-", starting with a letter or digit');
  }
  if (req.driver !== undefined && req.driver !== 'bridge') {
    throw new InvalidNetworkConfigError('driver', req.driver, 'only the "bridge" driver exists');
  }
  for (const [k, v] of Object.entries(req.labels ?? {})) {
    if (typeof v !== 'string') throw new InvalidNetworkConfigError(`label ${k}`, v, 'label values must be strings');
  }
}

/** Creates the network; the caller holds the state root's lock. */
async function createUnlocked(root: string, req: CreateNetworkRequest, opts: StoreOptions = {}): Promise<NetworkInfo> {
  if (readNetwork(root, req.name)) throw new NetworkExistsError(req.name);
  const id = randomBytes(32).toString('hex');
  const bridge = req.name === DEFAULT_NETWORK ? defaultBridge(root) : `berth-${id.slice(0, 9)}`;
  if (opts.rootlessDir) {
    // Rootless, the bridge is the user's rootless netns's, made there by the bridge plugin at
    // the first attach, with the rules (attach.ts): nothing to claim on the host's side. The
    // host's routes and slirp4netns's own network (in the rootless netns too) are avoided.
    const taken = await takenSubnets(root, bridge);
    taken.push({ cidr: SLIRP_SUBNET, what: 'slirp4netns (the rootless network namespace\'s way out)' });
    const info = planNetwork(req, id, bridge, taken);
    writeNetwork(root, info, conflistFor(root, info));
    return info;
  }
  let made = false;
  try {
    // One step for every root on the host: the bridge's route is what tells the next chooser
    // that the subnet is taken.
    const info = await withLock(SUBNETS_LOCK, async () => {
      await sweepOrphanBridges();
      const planned = planNetwork(req, id, bridge, await takenSubnets(root, bridge));
      const address = planned.internal ? undefined : `${planned.gateway}/${planned.subnet.split('/')[1]}`;
      made = await ensureBridge(bridge, address, planned.mtu);
      return planned;
    });
    // The rules before the files: a network that is listed has its rules.
    await ensureNetworkRules(info);
    writeNetwork(root, info, conflistFor(root, info));
    registerBridge(root, info);
    return info;
  } catch (e) {
    if (made) await deleteLink(bridge).catch(() => { /* the first error is the one to report */ });
    throw e;
  }
}

function conflistFor(root: string, info: NetworkInfo): Conflist {
  return buildConflist({
    name: info.name, bridge: info.bridge, subnet: info.subnet, gateway: info.gateway,
    internal: info.internal, ipamDataDir: paths.ipamDir(root), mtu: info.mtu,
  });
}

/**
 * The conflist an ADD on the network runs with: always the current shape, built from the
 * network's record. A stored conflist of an older berth (ipMasq, the firewall plugin) is
 * rewritten once, so that such a network stops paying per-container iptables work; attachments
 * made with it keep their own copy for DEL. The caller holds the state root's lock.
 */
export function currentConflist(root: string, info: NetworkInfo): Conflist {
  const want = conflistFor(root, info);
  const stored = readConflist(root, info.name);
  if (JSON.stringify(stored) !== JSON.stringify(want)) writeJsonAtomic(paths.conflist(root, info.name), want);
  return want;
}

export async function createNetwork(req: CreateNetworkRequest, opts: StoreOptions = {}): Promise<NetworkInfo> {
  validateRequest(req);
  const root = stateRoot(opts);
  return locked(root, () => createUnlocked(root, req, opts));
}

/** The default network "berth" (10.88.0.0/16 when free, on defaultBridge(root)), created if
 * missing; caller holds the lock. */
export async function ensureDefaultUnlocked(root: string, opts: StoreOptions = {}): Promise<NetworkInfo> {
  return readNetwork(root, DEFAULT_NETWORK) ?? createUnlocked(root, { name: DEFAULT_NETWORK }, opts);
}

export async function ensureDefaultNetwork(opts: StoreOptions = {}): Promise<NetworkInfo> {
  const root = stateRoot(opts);
  const existing = readNetwork(root, DEFAULT_NETWORK);
  if (existing) return existing;
  return locked(root, () => ensureDefaultUnlocked(root, opts));
}

/** All networks, the default one included (created on first use). Rootless, the default
 * network is slirp4netns's, not a bridge: only the networks the user made are listed. */
export async function listNetworks(opts: StoreOptions = {}): Promise<NetworkInfo[]> {
  if (!opts.rootlessDir) await ensureDefaultNetwork(opts);
  return listNetworkInfos(stateRoot(opts));
}

export async function inspectNetwork(name: string, opts: StoreOptions = {}): Promise<NetworkDetails> {
  const root = stateRoot(opts);
  const info = name === DEFAULT_NETWORK ? await ensureDefaultNetwork(opts) : readNetwork(root, name);
  if (!info) throw new NetworkNotFoundError(name);
  return { ...info, containers: readAttachments(root, name) };
}

/** Removes a network with no attached containers: its files, leases and bridge. */
export async function removeNetwork(name: string, opts: StoreOptions = {}): Promise<void> {
  const root = stateRoot(opts);
  await locked(root, async () => {
    const info = readNetwork(root, name);
    if (!info) throw new NetworkNotFoundError(name);
    const attached = readAttachments(root, name);
    if (attached.length > 0) throw new NetworkInUseError(name, attached.map((a) => a.name || a.containerId));
    if (opts.rootlessDir) {
      // In the rootless netns, if it is there (other networks in use); else they went with it.
      const netns = currentRootlessNetns(opts.rootlessDir);
      if (netns) {
        await deleteLink(info.bridge, netns);
        await removeNetworkRules(info.bridge, { netns, lock: rootlessNetnsFiles(opts.rootlessDir).rulesLock });
      }
      deleteNetworkFiles(root, name);
      return;
    }
    // An older berth put every root's default network on berth0: that bridge and its rules are
    // the default root's, not this root's to remove.
    if (info.bridge !== 'berth0' || defaultBridge(root) === 'berth0') {
      // The bridge plugin never deletes a bridge.
      await deleteLink(info.bridge);
      await removeNetworkRules(info.bridge);
      // Leftovers of older berths naming the bridge (the firewall plugin's isolation rules).
      await sweepBridgeRules(info.bridge);
      rmSync(join(BRIDGE_OWNERS, info.bridge), { force: true });
    }
    deleteNetworkFiles(root, name);
  });
}
