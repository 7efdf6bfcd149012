// `ps`: the container's processes, from its cgroups (sub-cgroups included), optionally matched
// against a `ps` table the way runc does it (run ps(1) and keep the rows whose PID is ours).
import { readdirSync, readlinkSync } from 'node:fs';
import { cgroupPids } from '../cgroups/stats.ts';
import { readRecord } from '../state.ts';

export function containerPids(root: string, id: string): number[] {
  const rec = readRecord(root, id);
  if (rec.cgroupDirs.length) return cgroupPids(rec.cgroupDirs);
  // No cgroup (rootless: none could be made): the processes of the init's pid namespace.
  return rec.pid > 0 ? pidNamespacePids(rec.pid) : [];
}

/** The processes in the pid namespace of `pid` (those this process may look at). */
function pidNamespacePids(pid: number): number[] {
  let ns: string;
  try { ns = readlinkSync(`/proc/${pid}/ns/pid`); } catch { return []; }
  // Sharing ours (no pid namespace of its own): nothing tells its processes apart.
  if (ns === readlinkSync('/proc/self/ns/pid')) return [pid];
  const out: number[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try { if (readlinkSync(`/proc/${p}/ns/pid`) === ns) out.push(Number(p)); } catch { /* gone, or not ours to see */ }
  }
  return out;
}

export class PsOutputError extends Error {
  override name = 'PsOutputError';
}

/** Keeps the header and the rows of `psOutput` whose PID column is in `pids`. Pure. */
export function filterPsTable(psOutput: string, pids: readonly number[]): string {
  const lines = psOutput.split('\n').filter((l) => l.length);
  if (!lines.length) throw new PsOutputError('ps printed nothing');
  const header = lines[0];
  const col = header.trim().split(/\s+/).indexOf('PID');
  if (col < 0) throw new PsOutputError(`couldn't find PID field in ps output (header: ${JSON.stringify(header)})`);
  const want = new Set(pids);
  const rows = lines.slice(1).filter((l) => {
    const f = l.trim().split(/\s+/);
    return want.has(Number(f[col]));
  });
  return [header, ...rows].join('\n') + '\n';
}
