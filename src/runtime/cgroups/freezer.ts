// Pausing and resuming every task in a container cgroup.
import { existsSync } from 'node:fs';
import { posix } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CgroupFreezeError } from './errors.ts';
import { readOpt, writeValue } from './fsops.ts';
import type { CgroupPlan } from '../plan.ts';

export type FreezerState = 'frozen' | 'freezing' | 'thawed';

interface Freezer { dir: string; version: 1 | 2 }

function findFreezer(x: CgroupPlan | string[]): Freezer {
  const dirs = Array.isArray(x) ? x : x.dirs;
  for (const d of dirs) {
    if (existsSync(posix.join(d, 'freezer.state'))) return { dir: d, version: 1 };
    if (existsSync(posix.join(d, 'cgroup.freeze'))) return { dir: d, version: 2 };
  }
  throw new CgroupFreezeError(dirs.join(', '), 'no freezer (freezer.state or cgroup.freeze) in these cgroups');
}

function v2Frozen(dir: string): boolean {
  const events = readOpt(posix.join(dir, 'cgroup.events')) ?? '';
  return /^frozen 1$/m.test(events);
}

/** The freezer state as `state`/`ps` report it. */
export function freezerState(x: CgroupPlan | string[]): FreezerState {
  const f = findFreezer(x);
  if (f.version === 1) {
    const s = readOpt(posix.join(f.dir, 'freezer.state'));
    return s === 'FROZEN' ? 'frozen' : s === 'FREEZING' ? 'freezing' : 'thawed';
  }
  const want = readOpt(posix.join(f.dir, 'cgroup.freeze')) === '1';
  if (!want) return 'thawed';
  return v2Frozen(f.dir) ? 'frozen' : 'freezing';
}

async function waitFor(f: Freezer, target: 'frozen' | 'thawed', timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; ; i++) {
    const s = freezerState([f.dir]);
    if (s === target) return true;
    if (Date.now() >= deadline) return false;
    // v1 can stall in FREEZING when a task is in an uninterruptible sleep; asking again nudges
    // the kernel to retry the tasks it could not freeze yet.
    if (f.version === 1 && i % 10 === 9) writeValue(posix.join(f.dir, 'freezer.state'), target === 'frozen' ? 'FROZEN' : 'THAWED');
    await sleep(Math.min(1 + i, 20));
  }
}

/** Freezes every task; resolves once the kernel reports the cgroup frozen. On timeout thaws again and throws. */
export async function freeze(x: CgroupPlan | string[], timeoutMs = 5000): Promise<void> {
  const f = findFreezer(x);
  if (f.version === 1) writeValue(posix.join(f.dir, 'freezer.state'), 'FROZEN');
  else writeValue(posix.join(f.dir, 'cgroup.freeze'), '1');
  if (await waitFor(f, 'frozen', timeoutMs)) return;
  await thaw(x, timeoutMs).catch(() => {});
  throw new CgroupFreezeError(f.dir, `did not reach the frozen state within ${timeoutMs} ms`);
}

/** Thaws every task; resolves once the kernel reports it thawed. */
export async function thaw(x: CgroupPlan | string[], timeoutMs = 5000): Promise<void> {
  const f = findFreezer(x);
  if (f.version === 1) writeValue(posix.join(f.dir, 'freezer.state'), 'THAWED');
  else writeValue(posix.join(f.dir, 'cgroup.freeze'), '0');
  if (!(await waitFor(f, 'thawed', timeoutMs))) throw new CgroupFreezeError(f.dir, `did not thaw within ${timeoutMs} ms`);
}
