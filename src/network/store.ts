// The on-disk state under a state root (default /var/lib/berth/networks):
//   networks/<name>.json        what berth knows of a network (NetworkInfo)
//   networks/<name>.conflist    the CNI configuration handed to the plugins
//   attachments/<name>/<containerId>_<ifName>.json   one attachment, with the CNI ADD result and
//                               the exact config it was made with (libcni's cache, for DEL/CHECK)
//   ipam/<name>/                host-local's leases (its dataDir)
//   .lock                       taken around every change (lock.ts)
// Files are replaced atomically (write to a temp name, rename), so readers never see half a file.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CniResult } from './cni.ts';
import type { Conflist } from './conflist.ts';
import type { PortMapping } from './publish.ts';
import { withLock } from './lock.ts';

export const DEFAULT_STATE_ROOT = '/var/lib/berth/networks';

export interface StoreOptions {
  /** Where networks, attachments and leases live; default /var/lib/berth/networks. */
  stateRoot?: string;
  /** Directories searched for CNI plugins; default /usr/lib/cni, /opt/cni/bin. */
  cniPath?: string[];
  /** Rootless (docs/rootless.md): the user's rootless netns lives here (rootless-netns.ts) and
   * plays the host's part for bridges, veths, rules and published ports. */
  rootlessDir?: string;
}

export interface NetworkInfo {
  name: string;
  id: string;
  driver: 'bridge';
  bridge: string;
  subnet: string;
  gateway: string;
  internal: boolean;
  labels: Record<string, string>;
  mtu?: number;
  created: string;
}

export interface AttachmentRecord {
  network: string;
  containerId: string;
  /** The container's name, resolvable by its peers. */
  name: string;
  aliases: string[];
  ifName: string;
  netnsPath: string;
  /** Addresses with prefix, e.g. 10.89.0.2/24. */
  ips: string[];
  mac: string;
  gateway: string;
  portMappings: PortMapping[];
  /** Rootless: the slirp4netns host forwards (ids) that carry the published ports into the
   * rootless netns; portMappings then has no hostIP (all of them arrive at 10.0.2.100). */
  hostForwards?: { id: number; mapping: PortMapping }[];
  created: string;
  /** The conflist the ADD ran with; DEL and CHECK run with the same. */
  config: Conflist;
  result: CniResult;
}

export function stateRoot(o: StoreOptions = {}): string {
  return o.stateRoot ?? DEFAULT_STATE_ROOT;
}

export const paths = {
  networksDir: (root: string) => join(root, 'networks'),
  info: (root: string, name: string) => join(root, 'networks', `${name}.json`),
  conflist: (root: string, name: string) => join(root, 'networks', `${name}.conflist`),
  attachmentsDir: (root: string, name: string) => join(root, 'attachments', name),
  attachment: (root: string, name: string, containerId: string, ifName: string) =>
    join(root, 'attachments', name, `${containerId}_${ifName}.json`),
  ipamDir: (root: string) => join(root, 'ipam'),
  lock: (root: string) => join(root, '.lock'),
};

export function writeJsonAtomic(path: string, value: unknown): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(value, null, 2) + '\n', { mode: 0o644 });
  renameSync(tmp, path);
}

function readJson<T>(path: string): T | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  return JSON.parse(text) as T;
}

export function readNetwork(root: string, name: string): NetworkInfo | undefined {
  return readJson<NetworkInfo>(paths.info(root, name));
}

export function readConflist(root: string, name: string): Conflist | undefined {
  return readJson<Conflist>(paths.conflist(root, name));
}

export function listNetworkInfos(root: string): NetworkInfo[] {
  let names: string[];
  try {
    names = readdirSync(paths.networksDir(root));
  } catch {
    return [];
  }
  return names.filter((f) => f.endsWith('.json')).sort()
    .map((f) => readNetwork(root, f.slice(0, -'.json'.length)))
    .filter((n): n is NetworkInfo => n !== undefined);
}

export function writeNetwork(root: string, info: NetworkInfo, conflist: Conflist): void {
  mkdirSync(paths.networksDir(root), { recursive: true });
  // The conflist first: a network is only listed once its .json exists.
  writeJsonAtomic(paths.conflist(root, info.name), conflist);
  writeJsonAtomic(paths.info(root, info.name), info);
}

export function deleteNetworkFiles(root: string, name: string): void {
  rmSync(paths.info(root, name), { force: true });
  rmSync(paths.conflist(root, name), { force: true });
  rmSync(paths.attachmentsDir(root, name), { recursive: true, force: true });
  rmSync(join(paths.ipamDir(root), name), { recursive: true, force: true });
}

export function readAttachments(root: string, network: string): AttachmentRecord[] {
  let files: string[];
  try {
    files = readdirSync(paths.attachmentsDir(root, network));
  } catch {
    return [];
  }
  return files.filter((f) => f.endsWith('.json')).sort()
    .map((f) => readJson<AttachmentRecord>(join(paths.attachmentsDir(root, network), f)))
    .filter((a): a is AttachmentRecord => a !== undefined);
}

export function readAttachment(root: string, network: string, containerId: string, ifName: string): AttachmentRecord | undefined {
  return readJson<AttachmentRecord>(paths.attachment(root, network, containerId, ifName));
}

export function writeAttachment(root: string, a: AttachmentRecord): void {
  mkdirSync(paths.attachmentsDir(root, a.network), { recursive: true });
  writeJsonAtomic(paths.attachment(root, a.network, a.containerId, a.ifName), a);
}

export function deleteAttachment(root: string, network: string, containerId: string, ifName: string): void {
  rmSync(paths.attachment(root, network, containerId, ifName), { force: true });
}

/** Every attachment of every network (for port conflicts and hosts files). */
export function allAttachments(root: string): AttachmentRecord[] {
  return listNetworkInfos(root).flatMap((n) => readAttachments(root, n.name));
}

/** Runs `fn` under the state root's lock: one changer at a time across processes. */
export function locked<T>(root: string, fn: () => Promise<T>): Promise<T> {
  mkdirSync(root, { recursive: true, mode: 0o700 });
  return withLock(paths.lock(root), fn);
}
