// A per-container lock without flock: an O_EXCL lock file holding "<pid> <starttime>" of its
// owner. A waiter polls; a lock whose owner is gone (no such process, a zombie, or a reused pid
// with another start time) is stale and is broken by renaming it away first, so only one waiter
// can break it. Locks are only held for the short critical sections of create/start/delete.
import { closeSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { LockTimeoutError } from './errors.ts';
import { initAlive, procStat } from './state.ts';

export interface Lock {
  release(): void;
}

function owner(): string {
  return `${process.pid} ${procStat(process.pid)?.startTime ?? '0'}`;
}

function holderAlive(text: string): boolean {
  const [pid, start] = text.trim().split(' ');
  // A lock file caught half-written counts as alive; its writer is about to finish.
  if (!pid || !start) return true;
  return initAlive(Number(pid), start);
}

/** Takes the lock file `path`, waiting up to `timeoutMs` for a live holder. */
export async function acquireLock(path: string, timeoutMs = 30_000): Promise<Lock> {
  const me = owner();
  const deadline = Date.now() + timeoutMs;
  let delay = 2;
  for (;;) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      try { writeSync(fd, me); } finally { closeSync(fd); }
      return {
        release() {
          try { unlinkSync(path); } catch { /* the directory may be gone with the container */ }
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let holder = '';
    try { holder = readFileSync(path, 'utf8'); } catch { continue; /* released meanwhile */ }
    if (!holderAlive(holder)) {
      const aside = `${path}.stale-${process.pid}`;
      try {
        renameSync(path, aside);
        unlinkSync(aside);
      } catch { /* another waiter broke it first */ }
      continue;
    }
    if (Date.now() > deadline) throw new LockTimeoutError(path, `pid ${holder.split(' ')[0]}`);
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 50);
  }
}
