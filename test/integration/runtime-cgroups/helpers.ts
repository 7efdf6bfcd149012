// Shared pieces for the cgroup integration tests: a worker process that joins a cgroup before
// doing anything, and cleanup that never leaves a cgroup or process behind.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmdirSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { cgroupPids, removeCgroup, thaw } from '../../../src/runtime/cgroups/index.ts';
import type { CgroupPlan } from '../../../src/runtime/plan.ts';

/** A shell that waits for a line on stdin before running `script`. */
export function spawnWaiting(script: string, stdout: 'pipe' | 'ignore' = 'ignore'): ChildProcess & { pid: number } {
  const child = spawn('/bin/sh', ['-c', `read go; ${script}`], { stdio: ['pipe', stdout, 'ignore'] });
  if (child.pid === undefined) throw new Error('spawn failed');
  return child as ChildProcess & { pid: number };
}

export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((r) => child.once('exit', () => r()));
}

export function procState(pid: number): string {
  return /^State:\s+(\S)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? '?';
}

export async function until(what: string, cond: () => boolean, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

export const testName = (what: string) => `berth-test-${what}-${process.pid}-${Date.now().toString(36)}`;

/** Thaw, kill every process in the cgroup, remove the dirs. */
export async function cleanup(plan: CgroupPlan, child: ChildProcess): Promise<void> {
  try { await thaw(plan, 1000); } catch { /* no freezer, or never frozen */ }
  // The shell first so it starts nothing new, then whatever it left behind (those become
  // zombies nobody reaps here, which no longer count as cgroup members).
  child.kill('SIGKILL');
  await exited(child);
  for (let round = 0; round < 50; round++) {
    let pids: number[];
    try { pids = cgroupPids(plan); } catch { break; }
    if (pids.length === 0) break;
    for (const pid of pids) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    await sleep(10);
  }
  try { await removeCgroup(plan); } catch {
    for (const d of plan.dirs) if (existsSync(d)) try { rmdirSync(d); } catch { /* reported by the test */ }
  }
}
