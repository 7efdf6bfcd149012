// Persistent network namespaces: a new netns kept alive by a bind mount of its nsfs file onto
// /run/berth/netns/<name>, as `ip netns add` does under /run/netns. A Node process cannot
// unshare itself, so build/berth-mount (native/mount.c) does the unshare and the bind mount, the
// whole creation or removal in one exec. Like ip(8), the directory is made a shared mount point
// first, so that removing a netns also unmounts the copies that mount namespaces created later
// (containers) inherited, and the namespace really goes away.
import { mkdirSync, statSync } from 'node:fs';
import { isMountPoint } from '../util/proc.ts';
import { dirname, join } from 'node:path';
import { MountOpError, runMountOpsAsync, unbindNamespaceFiles } from '../util/native-mount.ts';
import { NetnsError } from './errors.ts';

export const NETNS_RUN_DIR = '/run/berth/netns';

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,199}$/;

const detail = (e: unknown) => (e instanceof MountOpError ? e.detail : (e as Error).message);

/** Creates a network namespace pinned at <runDir>/<name>; returns that path. */
export async function createNetns(name: string, runDir = NETNS_RUN_DIR): Promise<string> {
  if (!NAME_RE.test(name)) throw new NetnsError(join(runDir, name), 'invalid name (letters, digits, _ . -; starting with a letter or digit)');
  mkdirSync(runDir, { recursive: true, mode: 0o755 });
  const path = join(runDir, name);
  try {
    await runMountOpsAsync([{ op: 'shared', dir: runDir }, { op: 'netns', path }]);
  } catch (e) {
    if (e instanceof MountOpError && e.index === 0) throw new NetnsError(runDir, `cannot make the netns directory a shared mount point: ${e.detail}`);
    if (e instanceof MountOpError && e.code === 'EEXIST') throw new NetnsError(path, 'already exists');
    throw new NetnsError(path, `creating the namespace failed: ${detail(e)}`);
  }
  return path;
}

/** Unmounts and removes a netns file. Already-gone is fine. */
export async function removeNetns(path: string): Promise<void> {
  try {
    statSync(path);
  } catch {
    return;
  }
  try {
    await unbindNamespaceFiles([path], dirname(path));
  } catch (e) {
    if (e instanceof MountOpError && e.index === 1) throw new NetnsError(path, `unlink failed: ${e.detail}`);
    throw new NetnsError(path, `umount failed: ${detail(e)}`);
  }
}

/** True when `path` is a mounted network namespace file. */
export function isNetns(path: string): boolean {
  return isMountPoint(path);
}
