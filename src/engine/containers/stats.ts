// docker stats, computed in the engine: the cgroup numbers from the OCI runtime interface's
// stats (runc's `events --stats` document, which berth-runtime, runc and crun all print) and the network
// counters from the container's netns (/proc/PID/net/dev). One call is one sample; the CPU
// percentage needs two (cpuPercent), as docker's precpu_stats/cpu_stats pair.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { EngineCore } from '../core.ts';
import type { ContainerRecord } from '../types.ts';

export interface InterfaceStats { rxBytes: number; rxPackets: number; rxErrors: number; rxDropped: number; txBytes: number; txPackets: number; txErrors: number; txDropped: number }

export interface ContainerStats {
  id: string;
  name: string;
  /** When the sample was taken (ISO time) and a monotonic clock for rates (ns). */
  read: string;
  monotonicNs: number;
  running: boolean;
  /** Cumulative CPU time of the container (ns); the host's (docker's system_cpu_usage, ns). */
  cpu: { totalNs: number; systemNs: number; onlineCpus: number };
  /** Usage without the inactive page cache (as docker's CLI shows it); limit 0: none. */
  memory: { usage: number; limit: number; raw: Record<string, number> };
  pids: { current: number; limit: number };
  blkio: { read: number; write: number };
  /** Per interface of the container's netns (lo left out). */
  networks: Record<string, InterfaceStats>;
}

/** The parts of runc's `events --stats` document read here (the interface's RuntimeStats has them all). */
interface StatsDoc {
  cpu?: { usage?: { total?: number } };
  memory?: { usage?: { usage?: number; limit?: number }; raw?: Record<string, number> };
  pids?: { current?: number; limit?: number };
  blkio?: { ioServiceBytesRecursive?: { op: string; value: number }[] };
}

/** /proc/PID/net/dev of the container's init: the counters of its network namespace. */
export function parseNetDev(text: string): Record<string, InterfaceStats> {
  const out: Record<string, InterfaceStats> = {};
  for (const l of text.split('\n').slice(2)) {
    const i = l.indexOf(':');
    if (i < 0) continue;
    const name = l.slice(0, i).trim();
    if (name === 'lo') continue;
    const f = l.slice(i + 1).trim().split(/\s+/).map(Number);
    out[name] = { rxBytes: f[0], rxPackets: f[1], rxErrors: f[2], rxDropped: f[3], txBytes: f[8], txPackets: f[9], txErrors: f[10], txDropped: f[11] };
  }
  return out;
}

/** The host's CPU time (ns) from /proc/stat's first line, as docker's system_cpu_usage. */
function systemCpuNs(): number {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/).slice(1, 8).map(Number);
    return f.reduce((a, b) => a + b, 0) * (1e9 / 100); // USER_HZ is 100 on Linux
  } catch { return 0; }
}

/** runc's stats document → the memory, CPU, pids and block I/O parts of ContainerStats. */
export function fromRuntimeStats(d: StatsDoc): Pick<ContainerStats, 'cpu' | 'memory' | 'pids' | 'blkio'> {
  const blk = d.blkio?.ioServiceBytesRecursive ?? [];
  const raw = d.memory?.raw ?? {};
  const limit = Number(d.memory?.usage?.limit ?? 0);
  return {
    cpu: { totalNs: Number(d.cpu?.usage?.total ?? 0), systemNs: 0, onlineCpus: 0 },
    memory: { usage: Number(d.memory?.usage?.usage ?? 0) - Number(raw.total_inactive_file ?? raw.inactive_file ?? 0), limit: limit && limit < 2 ** 62 ? limit : 0, raw },
    pids: { current: Number(d.pids?.current ?? 0), limit: Number(d.pids?.limit ?? 0) },
    blkio: {
      read: blk.filter((b) => /read/i.test(b.op)).reduce((a, b) => a + b.value, 0),
      write: blk.filter((b) => /write/i.test(b.op)).reduce((a, b) => a + b.value, 0),
    },
  };
}

/** One sample of a container (zeros for one that is not running, as docker reports). */
export async function sampleStats(core: EngineCore, rec: ContainerRecord): Promise<ContainerStats> {
  const base = { id: rec.id, name: rec.name, read: new Date().toISOString(), monotonicNs: Number(process.hrtime.bigint()) };
  const zero = { ...base, running: false, ...fromRuntimeStats({}), networks: {} };
  if (rec.state.status !== 'running') return zero;
  // A container that stopped (or went) between the listing and now shows zeros.
  const doc = await core.runtimeFor(rec.config.runtime).stats(rec.id).catch(() => null);
  if (!doc) return zero;
  let networks: Record<string, InterfaceStats> = {};
  if (rec.state.pid) try { networks = parseNetDev(readFileSync(`/proc/${rec.state.pid}/net/dev`, 'utf8')); } catch { /* gone */ }
  const s = fromRuntimeStats(doc);
  s.cpu.systemNs = systemCpuNs();
  s.cpu.onlineCpus = availableParallelism();
  return { ...base, running: true, ...s, networks };
}

/** The CPU percentage between two samples of one container, as docker's CLI shows it (100%
 * is one CPU busy for the whole interval). */
export function cpuPercent(prev: ContainerStats, cur: ContainerStats): number {
  const dt = cur.monotonicNs - prev.monotonicNs;
  if (!prev.running || !cur.running || dt <= 0) return 0;
  return Math.max(0, cur.cpu.totalNs - prev.cpu.totalNs) / dt * 100;
}

/** Received and sent bytes over every interface of a sample. */
export function networkTotals(s: ContainerStats): { rx: number; tx: number } {
  let rx = 0, tx = 0;
  for (const i of Object.values(s.networks)) { rx += i.rxBytes; tx += i.txBytes; }
  return { rx, tx };
}
