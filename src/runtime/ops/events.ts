// `events`: runc's event stream. Stats come from the cgroup module; OOM kills are noticed by
// polling the kernel's oom_kill counter (v1 memory.oom_control, v2 memory.events) rather than a
// cgroup.event_control eventfd, which would need a native helper; the poll is cheap and the
// counter never misses a kill between two looks.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { cgroupStats } from '../cgroups/stats.ts';
import type { CgroupStats } from '../cgroups/types.ts';
import { initAlive, readRecord } from '../state.ts';

export interface StatsEvent { type: 'stats'; id: string; data: Omit<CgroupStats, 'memory'> & { memory: Omit<CgroupStats['memory'], 'oomKill'> } }
export interface OomEvent { type: 'oom'; id: string }
export interface ExitEvent { type: 'exit'; id: string }
export type RuntimeEvent = StatsEvent | OomEvent | ExitEvent;

export function statsEvent(root: string, id: string): StatsEvent {
  const rec = readRecord(root, id);
  const s = cgroupStats(rec.cgroupDirs);
  const { oomKill: _, ...memory } = s.memory;
  return { type: 'stats', id, data: { ...s, memory } };
}

/** The OOM-kill counter of the container's memory cgroup (0 when there is none). */
export function oomKills(dirs: readonly string[]): number {
  for (const d of dirs) {
    for (const f of ['memory.oom_control', 'memory.events']) {
      let text: string;
      try { text = readFileSync(join(d, f), 'utf8'); } catch { continue; }
      const m = /^oom_kill (\d+)$/m.exec(text);
      return m ? Number(m[1]) : 0;
    }
  }
  return 0;
}

export interface WatchOptions {
  /** Milliseconds between stats events. */
  intervalMs: number;
  /** Milliseconds between looks at the OOM counter and the init. */
  pollMs?: number;
  signal?: AbortSignal;
}

/** Emits stats every interval and an oom event per OOM kill, until the init exits (then an
 * exit event) or the signal aborts. */
export async function watchEvents(root: string, id: string, opts: WatchOptions, emit: (e: RuntimeEvent) => void): Promise<void> {
  const rec = readRecord(root, id);
  const poll = Math.min(opts.pollMs ?? 100, opts.intervalMs);
  let ooms = oomKills(rec.cgroupDirs);
  let nextStats = Date.now() + opts.intervalMs;
  emit(statsEvent(root, id));
  while (!opts.signal?.aborted) {
    await sleep(poll);
    const n = oomKills(rec.cgroupDirs);
    for (; ooms < n; ooms++) emit({ type: 'oom', id });
    if (!initAlive(rec.pid, rec.initStartTime)) {
      emit({ type: 'exit', id });
      return;
    }
    if (Date.now() >= nextStats) {
      emit(statsEvent(root, id));
      nextStats += opts.intervalMs;
    }
  }
}
