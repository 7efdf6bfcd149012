// Per-container locks of the runtime: the shared cross-process lock files (src/util/lock.ts),
// held only for the short critical sections of create/start/delete, so waiting gives up after 30 s.
import { acquireLock as acquireShared, type Lock } from '../util/lock.ts';

export type { Lock };

export function acquireLock(path: string, timeoutMs = 30_000): Promise<Lock> {
  return acquireShared(path, { timeoutMs });
}
