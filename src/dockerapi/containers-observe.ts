// GET /containers/{id}/stats (docker's StatsJSON: a stream about every second, or one answer)
// and /containers/{id}/top. The engine samples and computes; this only shapes its numbers.
import { setTimeout as sleep } from 'node:timers/promises';
import type { ContainerStats } from '../engine/index.ts';
import type { ApiContext } from './context.ts';

const ZERO_TIME = '0001-01-01T00:00:00Z';

function cpuJSON(s: ContainerStats | undefined) {
  return {
    cpu_usage: { total_usage: s?.cpu.totalNs ?? 0, usage_in_kernelmode: 0, usage_in_usermode: 0 },
    system_cpu_usage: s?.cpu.systemNs ?? 0, online_cpus: s?.cpu.onlineCpus ?? 0,
    throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 },
  };
}

/** docker's StatsJSON from a sample and the one before it (precpu: what the CLI's CPU % uses). */
export function statsJSON(cur: ContainerStats, prev: ContainerStats | undefined) {
  return {
    read: cur.read, preread: prev?.read ?? ZERO_TIME, name: `/${cur.name}`, id: cur.id,
    pids_stats: { current: cur.pids.current, ...(cur.pids.limit ? { limit: cur.pids.limit } : {}) },
    blkio_stats: {
      io_service_bytes_recursive: [{ major: 0, minor: 0, op: 'read', value: cur.blkio.read }, { major: 0, minor: 0, op: 'write', value: cur.blkio.write }],
      io_serviced_recursive: null, io_queue_recursive: null, io_service_time_recursive: null, io_wait_time_recursive: null,
      io_merged_recursive: null, io_time_recursive: null, sectors_recursive: null,
    },
    num_procs: 0, storage_stats: {},
    cpu_stats: cpuJSON(cur), precpu_stats: cpuJSON(prev),
    // usage is what the CLI shows after subtracting stats.inactive_file (cgroup v2) or
    // total_inactive_file (v1): the engine's usage has that out already, so those are left out.
    memory_stats: cur.running ? { usage: cur.memory.usage, stats: Object.fromEntries(Object.entries(cur.memory.raw).filter(([k]) => !/inactive_file$/.test(k))), limit: cur.memory.limit || 0 } : {},
    networks: Object.fromEntries(Object.entries(cur.networks).map(([n, i]) => [n, {
      rx_bytes: i.rxBytes, rx_packets: i.rxPackets, rx_errors: i.rxErrors, rx_dropped: i.rxDropped,
      tx_bytes: i.txBytes, tx_packets: i.txPackets, tx_errors: i.txErrors, tx_dropped: i.txDropped,
    }])),
  };
}

export async function containerStats(ctx: ApiContext): Promise<void> {
  const c = ctx.engine.containers;
  const id = c.get(ctx.params.id).id;
  const stream = ctx.flag('stream', true);
  const oneShot = ctx.flag('one-shot');
  if (!stream) {
    // One answer: with precpu from a sample a moment before, unless one-shot asks for none.
    const prev = oneShot ? undefined : await c.stats(id);
    if (prev) await sleep(500);
    ctx.sendJSON(200, statsJSON(await c.stats(id), prev));
    return;
  }
  const res = ctx.stream('application/json');
  let prev: ContainerStats | undefined;
  while (!ctx.signal.aborted && !res.destroyed) {
    let cur: ContainerStats;
    try { cur = await c.stats(id); } catch { break; /* removed meanwhile */ }
    res.write(`${JSON.stringify(statsJSON(cur, prev))}\n`);
    prev = cur;
    await sleep(1000, undefined, { signal: ctx.signal }).catch(() => {});
  }
  res.end();
}

export async function containerTop(ctx: ApiContext): Promise<void> {
  const psArgs = (ctx.query.get('ps_args') ?? '').split(/\s+/).filter(Boolean);
  const t = await ctx.engine.containers.top(ctx.params.id, psArgs);
  ctx.sendJSON(200, { Titles: t.titles, Processes: t.processes });
}
