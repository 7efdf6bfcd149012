// Cross-process lock files, shared by the runtime, the image store and the engine: created with O_EXCL, holding the owner's pid and process start time.
// A lock whose owner is gone (no such pid, a zombie — pid 1 here does not reap —, or a pid
// reused by another process) is stale and may be broken. Breaking goes through a second O_EXCL
// "breaker" file so that two waiters cannot both break and then both take the lock.
import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeSync, constants } from 'node:fs';
import { procStat } from './proc.ts';
import { setTimeout as sleep } from 'node:timers/promises';

/** A lock whose live holder did not let go in time. */
export class LockTimeoutError extends Error {
  readonly lockPath: string;
  constructor(lockPath: string, holder: string) {
    super(`timed out waiting for lock ${lockPath} (held by ${holder})`);
    this.name = 'LockTimeoutError';
    this.lockPath = lockPath;
  }
}

export interface LockOptions {
  /** Give up after this many milliseconds (default: wait forever). */
  timeoutMs?: number;
}

export interface Lock {
  readonly path: string;
  release(): void;
}

/** Start time (clock ticks since boot) of a process, or null if it is gone or a zombie. */
function processStart(pid: number): string | null {
  const st = procStat(pid);
  return !st || st.state === 'Z' || st.state === 'X' ? null : st.startTime ?? null;
}

// What a lock file says about its holder: read at the first lock, not when the module loads
// (every CLI start loads it, through the image store).
let ownerTextOnce: string | undefined;
const ownerText = () => (ownerTextOnce ??= `${process.pid} ${processStart(process.pid) ?? '0'}\n`);

function isStale(lockPath: string): { stale: boolean; holder: string } {
  let text: string;
  try { text = readFileSync(lockPath, 'latin1'); } catch { return { stale: false, holder: 'nobody (gone)' }; }
  const [pidText, start] = text.trim().split(' ');
  const pid = Number(pidText);
  if (!pid || !start) {
    // Owner died between create and write, or is writing right now: stale once it is old.
    try { return { stale: Date.now() - statSync(lockPath).mtimeMs > 5000, holder: 'unknown' }; } catch { return { stale: false, holder: 'gone' }; }
  }
  const now = processStart(pid);
  return { stale: now === null || now !== start, holder: `pid ${pid}` };
}

function tryCreate(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
  try { writeSync(fd, ownerText()); } finally { closeSync(fd); }
  return true;
}

function tryBreak(path: string): void {
  const breaker = `${path}.break`;
  if (!tryCreate(breaker)) {
    if (isStale(breaker).stale) { try { unlinkSync(breaker); } catch { /* someone else did */ } }
    return;
  }
  try {
    if (isStale(path).stale) { try { unlinkSync(path); } catch { /* already gone */ } }
  } finally {
    try { unlinkSync(breaker); } catch { /* ignore */ }
  }
}

/** Takes the lock at `path` (a file), waiting while a live process holds it. */
export async function acquireLock(path: string, opts: LockOptions = {}): Promise<Lock> {
  const deadline = opts.timeoutMs === undefined ? Infinity : Date.now() + opts.timeoutMs;
  let delay = 5;
  for (;;) {
    if (tryCreate(path)) return makeLock(path);
    const { stale, holder } = isStale(path);
    if (stale) { tryBreak(path); continue; }
    if (Date.now() >= deadline) throw new LockTimeoutError(path, holder);
    await sleep(delay);
    delay = Math.min(delay * 2, 100);
  }
}

/** Takes the lock only if it is free (or stale); null when a live process holds it. */
export function tryAcquireLock(path: string): Lock | null {
  if (tryCreate(path)) return makeLock(path);
  if (isStale(path).stale) { tryBreak(path); if (tryCreate(path)) return makeLock(path); }
  return null;
}

function makeLock(path: string): Lock {
  let held = true;
  return {
    path,
    release() {
      if (!held) return;
      held = false;
      try { unlinkSync(path); } catch { /* already broken as stale: nothing to do */ }
    },
  };
}
