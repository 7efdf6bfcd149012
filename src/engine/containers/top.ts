// docker top: the host's ps, narrowed to the container's processes. The pids come from the OCI
// runtime interface's ps (runc, crun and berth-runtime all answer it from the container's
// cgroups, sub-cgroups included), as docker takes them from containerd.
import { execFile } from 'node:child_process';
import { filterPsTable } from '../../runtime/ops/ps.ts';
import type { EngineCore } from '../core.ts';
import { ContainerStateError, EngineError } from '../errors.ts';

/** docker's top result: ps's header split into titles, and a row of fields per process. */
export interface TopResult { titles: string[]; processes: string[][]; /** ps's own text, filtered */ text: string }

export async function top(core: EngineCore, ref: string, psArgs: string[] = []): Promise<TopResult> {
  const rec = core.get(ref);
  if (rec.state.status !== 'running') throw new ContainerStateError(`container ${rec.id} is not running`);
  const pids = await core.runtimeFor(rec.config.runtime).ps(rec.id)
    .catch((e: Error) => { throw new EngineError(`listing the processes of ${rec.id}: ${e.message}`); });
  const out = await new Promise<string>((resolve, reject) => {
    execFile('ps', psArgs.length ? psArgs : ['-ef'], { encoding: 'utf8', maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new EngineError(`ps ${psArgs.join(' ')}: ${String(stderr).trim() || err.message}`)); else resolve(stdout);
    });
  });
  const text = filterPsTable(out, pids);
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const titles = (lines[0] ?? '').trim().split(/\s+/);
  // The last column (the command) may hold spaces: split only as many fields as titles.
  const processes = lines.slice(1).map((l) => {
    const f = l.trim().split(/\s+/);
    return [...f.slice(0, titles.length - 1), f.slice(titles.length - 1).join(' ')];
  });
  return { titles, processes, text };
}
