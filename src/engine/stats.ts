// One sample of a container's cgroup numbers through its OCI runtime's stats (the runtime
// interface's `events --stats`), in the units the fronts report.
import type { Engine } from './engine.ts';
import type { ContainerRecord } from './types.ts';

export interface ContainerSample {
  /** When it was taken (ns since the epoch). */
  timestampNs: bigint;
  cpuTotalNs: number;
  memoryUsage: number;
  /** Usage less inactive file pages (what kubelet and docker call the working set). */
  workingSet: number;
  memoryLimit: number;
  rss: number;
  pageFaults: number;
  majorPageFaults: number;
  pids: number;
}

/** null when the container is not running (or the runtime has no numbers for it). */
export async function sampleContainer(engine: Engine, rec: ContainerRecord): Promise<ContainerSample | null> {
  if (rec.state.status !== 'running') return null;
  let d;
  try { d = await engine.runtimeFor(rec.config.runtime).stats(rec.id); } catch { return null; }
  const raw = d.memory?.raw ?? {};
  const usage = Number(d.memory?.usage?.usage ?? 0);
  const inactive = Number(raw.total_inactive_file ?? raw.inactive_file ?? 0);
  return {
    timestampNs: BigInt(Date.now()) * 1_000_000n, cpuTotalNs: Number(d.cpu?.usage?.total ?? 0), memoryUsage: usage,
    workingSet: Math.max(0, usage - inactive), memoryLimit: Number(d.memory?.usage?.limit ?? 0),
    rss: Number(raw.total_rss ?? raw.rss ?? raw.anon ?? 0), pageFaults: Number(raw.total_pgfault ?? raw.pgfault ?? 0),
    majorPageFaults: Number(raw.total_pgmajfault ?? raw.pgmajfault ?? 0), pids: Number(d.pids?.current ?? 0),
  };
}
