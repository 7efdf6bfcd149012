// Creating, listing, inspecting and removing networks in the state root.
import { randomBytes } from 'node:crypto';
import { buildConflist } from './conflist.ts';
import type { Conflist } from './conflist.ts';
import { ensureNetworkRules, removeNetworkRules } from './firewall.ts';
import { InvalidNetworkConfigError, NetworkExistsError, NetworkInUseError, NetworkNotFoundError } from './errors.ts';
import { deleteLink, hostRoutes, linkAddresses, sweepBridgeRules } from './host.ts';
import { formatCidr, parseCidr } from './cidr.ts';
import { DEFAULT_NETWORK, checkSubnet, gatewayFor, pickDefaultSubnet, pickUserSubnet } from './subnet.ts';
import type { TakenSubnet } from './subnet.ts';
import {
  deleteNetworkFiles, listNetworkInfos, locked, paths, readAttachments, readConflist, readNetwork, stateRoot, writeJsonAtomic,
  writeNetwork,
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

async function takenSubnets(root: string, bridge: string): Promise<TakenSubnet[]> {
  const taken: TakenSubnet[] = listNetworkInfos(root).map((n) => ({ cidr: n.subnet, what: `network ${JSON.stringify(n.name)}` }));
  for (const r of await hostRoutes()) {
    // A leftover bridge of the same name (an earlier state root, a crash) is ours to reuse.
    if (r.dev !== bridge) taken.push({ cidr: r.dst, what: `host route via ${r.dev ?? '?'}` });
  }
  return taken;
}

/** The network's facts and conflist from a request: pure apart from the taken list. */
function planNetwork(req: CreateNetworkRequest, taken: TakenSubnet[], existingBridgeSubnet?: string): NetworkInfo {
  const isDefault = req.name === DEFAULT_NETWORK;
  const id = randomBytes(32).toString('hex');
  const bridge = isDefault ? 'berth0' : `berth-${id.slice(0, 9)}`;
  const subnet = req.subnet !== undefined ? checkSubnet(req.subnet, taken)
    : isDefault ? pickDefaultSubnet(taken, existingBridgeSubnet) : pickUserSubnet(taken);
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
async function createUnlocked(root: string, req: CreateNetworkRequest): Promise<NetworkInfo> {
  if (readNetwork(root, req.name)) throw new NetworkExistsError(req.name);
  const bridgeHint = req.name === DEFAULT_NETWORK ? 'berth0' : '';
  // A berth0 that exists already (down, it has no route) keeps its address: the network takes it.
  const existing = bridgeHint ? (await linkAddresses(bridgeHint)).map((a) => parseCidr(a, false)).find((c) => c !== undefined) : undefined;
  const info = planNetwork(req, await takenSubnets(root, bridgeHint), existing ? formatCidr(existing) : undefined);
  // The rules before the files: a network that is listed has its rules (they name the bridge
  // by interface name, so they may come before the bridge plugin makes it).
  await ensureNetworkRules(info);
  writeNetwork(root, info, conflistFor(root, info));
  return info;
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
  return locked(root, () => createUnlocked(root, req));
}

/** The default network "berth" (10.88.0.0/16 on berth0), created if missing; caller holds the lock. */
export async function ensureDefaultUnlocked(root: string): Promise<NetworkInfo> {
  return readNetwork(root, DEFAULT_NETWORK) ?? createUnlocked(root, { name: DEFAULT_NETWORK });
}

export async function ensureDefaultNetwork(opts: StoreOptions = {}): Promise<NetworkInfo> {
  const root = stateRoot(opts);
  const existing = readNetwork(root, DEFAULT_NETWORK);
  if (existing) return existing;
  return locked(root, () => ensureDefaultUnlocked(root));
}

/** All networks, the default one included (created on first use). */
export async function listNetworks(opts: StoreOptions = {}): Promise<NetworkInfo[]> {
  await ensureDefaultNetwork(opts);
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
    // The bridge plugin creates the bridge but never deletes it.
    await deleteLink(info.bridge);
    await removeNetworkRules(info.bridge);
    // Leftovers of older berths naming the bridge (the firewall plugin's isolation rules).
    await sweepBridgeRules(info.bridge);
    deleteNetworkFiles(root, name);
  });
}
