// Persistent network namespaces: a new netns kept alive by a bind mount of its nsfs file onto
// /run/berth/netns/<name>, as `ip netns add` does under /run/netns. A Node process cannot
// unshare itself, so util-linux `unshare --net=<file>` does the unshare and the bind mount (it is
// in the base system; no native helper to build). Like ip(8), the directory is made a shared
// mount point first, so that removing a netns also unmounts the copies that mount namespaces
// created later (containers) inherited, and the namespace really goes away.
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { NetnsError } from './errors.ts';

const run = promisify(execFile);

export const NETNS_RUN_DIR = '/run/berth/netns';

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,199}$/;

function mountPoints(): Set<string> {
  const set = new Set<string>();
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const f = line.split(' ');
    if (f[4]) set.add(f[4].replace(/\\040/g, ' '));
  }
  return set;
}

function isMountPoint(path: string): boolean {
  return mountPoints().has(path);
}

async function ensureSharedRunDir(dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  if (!isMountPoint(dir)) {
    try {
      await run('mount', ['--bind', dir, dir]);
    } catch (e) {
      throw new NetnsError(dir, `cannot bind-mount the netns directory onto itself: ${(e as Error).message}`);
    }
  }
  await run('mount', ['--make-shared', dir]).catch(() => { /* propagation is a nicety, not a must */ });
}

/** Creates a network namespace pinned at <runDir>/<name>; returns that path. */
export async function createNetns(name: string, runDir = NETNS_RUN_DIR): Promise<string> {
  if (!NAME_RE.test(name)) throw new NetnsError(join(runDir, name), 'invalid name (letters, digits, _ . -; starting with a letter or digit)');
  await ensureSharedRunDir(runDir);
  const path = join(runDir, name);
  try {
    writeFileSync(path, '', { flag: 'wx', mode: 0o444 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new NetnsError(path, 'already exists');
    throw new NetnsError(path, (e as Error).message);
  }
  try {
    await run('unshare', [`--net=${path}`, 'true']);
  } catch (e) {
    try { unlinkSync(path); } catch { /* best effort */ }
    throw new NetnsError(path, `unshare failed: ${(e as { stderr?: string }).stderr?.trim() || (e as Error).message}`);
  }
  return path;
}

/** Unmounts and removes a netns file. Already-gone is fine; a file that is not a netns is left. */
export async function removeNetns(path: string): Promise<void> {
  try {
    statSync(path);
  } catch {
    return;
  }
  if (isMountPoint(path)) {
    try {
      await run('umount', [path]);
    } catch {
      // Busy (something still bound inside): detach it lazily, the namespace dies with its last user.
      await run('umount', ['--lazy', path]).catch((e: Error) => { throw new NetnsError(path, `umount failed: ${e.message}`); });
    }
  }
  try {
    unlinkSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new NetnsError(path, `unlink failed: ${(e as Error).message}`);
  }
  // The last netns gone: drop the directory's self bind mount too, so that an idle host carries
  // no berth mount at all. A namespace still mounted below makes umount fail (EBUSY): then it stays.
  const dir = dirname(path);
  if (isMountPoint(dir) && readdirSync(dir).length === 0) await run('umount', [dir]).catch(() => {});
}

/** True when `path` is a mounted network namespace file. */
export function isNetns(path: string): boolean {
  return isMountPoint(path);
}
