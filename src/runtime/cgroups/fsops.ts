// Small effectful helpers over cgroup files. Everything here touches the filesystem.
import { closeSync, constants, existsSync, openSync, readFileSync, rmdirSync, writeSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { posix } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CgroupFsError } from './errors.ts';
import type { CgroupWrite } from './write.ts';

export function errno(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

/** Reads a cgroup file, trimmed; undefined when it does not exist. */
export function readOpt(path: string): string | undefined {
  try { return readFileSync(path, 'utf8').trim(); } catch (e) {
    if (errno(e) === 'ENOENT') return undefined;
    throw new CgroupFsError('read', path, e);
  }
}

/** One write(2) of the whole value, as cgroup files require. */
export function writeValue(path: string, value: string): void {
  // O_WRONLY without O_CREAT: cgroupfs refuses creation with EACCES, which would hide ENOENT.
  let fd: number | undefined;
  try {
    fd = openSync(path, constants.O_WRONLY);
    const buf = Buffer.from(value);
    if (writeSync(fd, buf, 0, buf.length) !== buf.length) throw Object.assign(new Error('short write'), { code: 'EIO' });
  } catch (e) {
    throw new CgroupFsError('write', path, e, value);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** mkdir -p that returns the directories it created, outermost first; off the event loop: a
 * cgroup mkdir waits for the kernel's cgroup mutex, which another process's attach may hold
 * for an RCU grace period (several ms, here). A failure carries what was made (`created`). */
export async function mkdirpAsync(dir: string): Promise<string[]> {
  const created: string[] = [];
  // A parent removed meanwhile (the engine's parent goes with its last container, another
  // create's failure removes what it made): looked for again, a few times.
  for (let attempt = 0; ; attempt++) {
    const missing: string[] = [];
    for (let d = dir; d !== '/' && !existsSync(d); d = posix.dirname(d)) missing.unshift(d);
    let lost = false;
    for (const d of missing) {
      try { await mkdir(d); created.push(d); } catch (e) {
        if (errno(e) === 'EEXIST') continue;
        if (errno(e) === 'ENOENT' && attempt < 3) { lost = true; break; }
        throw Object.assign(new CgroupFsError('mkdir', d, e), { created });
      }
    }
    if (!lost) return created;
  }
}

/**
 * Writes in order. A write the kernel rejects with EINVAL is retried once after all others:
 * limits that must be changed in a particular order relative to their current values
 * (memory vs memsw, cpu period vs quota vs burst) then land in the order that works.
 * Optional writes to missing files are skipped, and so are optional cgroup.subtree_control
 * writes the kernel rejects: ENOENT when the parent lacks the controller, EINVAL when the
 * kernel was built without it.
 */
export function applyWrites(writes: CgroupWrite[]): void {
  const later: { w: CgroupWrite; err: unknown }[] = [];
  for (const w of writes) {
    try { writeValue(w.path, w.value); } catch (e) {
      const code = errno((e as CgroupFsError).cause);
      if (w.optional && (code === 'ENOENT' || (code === 'EINVAL' && w.path.endsWith('/cgroup.subtree_control')))) continue;
      if (code === 'EINVAL') { later.push({ w, err: e }); continue; }
      throw e;
    }
  }
  for (const { w } of later) writeValue(w.path, w.value);
}

/** rmdir with short retries on EBUSY (v1 can report busy briefly after the last task left). */
export async function rmdirRetry(dir: string, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 2; ; delay = Math.min(delay * 2, 50)) {
    try { rmdirSync(dir); return; } catch (e) {
      const code = errno(e);
      if (code === 'ENOENT') return;
      if (code !== 'EBUSY' || Date.now() >= deadline) throw new CgroupFsError('rmdir', dir, e);
    }
    await sleep(delay);
  }
}
