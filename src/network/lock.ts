// Inter-process lock on the network state root, for CLI processes that change it at once: the
// shared lock file of src/util/lock.ts (O_EXCL, owner pid and start time; a dead owner's lock is
// broken by the next taker). It used to be a util-linux `flock` child holding the kernel lock,
// which cost three process starts (flock, sh, cat) for every attach and detach.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { acquireLock, LockTimeoutError as SharedLockTimeout } from '../util/lock.ts';
import { LockTimeoutError } from './errors.ts';

/** Runs `fn` holding the exclusive lock `path` (created if missing). */
export async function withLock<T>(path: string, fn: () => Promise<T>, timeoutMs = 60_000): Promise<T> {
  mkdirSync(dirname(path), { recursive: true });
  let lock;
  try {
    lock = await acquireLock(path, { timeoutMs });
  } catch (e) {
    if (e instanceof SharedLockTimeout) throw new LockTimeoutError(path, timeoutMs);
    throw e;
  }
  try {
    return await fn();
  } finally {
    lock.release();
  }
}
