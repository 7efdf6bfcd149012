// The lifecycle's view of the cgroups module: just the directories recorded in state.json.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { removeCgroup } from './cgroups/index.ts';

/** Every pid listed in cgroup.procs of the given directories (deduplicated). */
export function cgroupDirPids(dirs: readonly string[]): number[] {
  const pids = new Set<number>();
  for (const d of dirs) {
    let text: string;
    try { text = readFileSync(join(d, 'cgroup.procs'), 'utf8'); } catch { continue; }
    for (const l of text.split('\n')) if (l) pids.add(Number(l));
  }
  return [...pids];
}

/** Removes the directories (sub-cgroups first; v1 rmdir is EBUSY for a moment after the last
 * task exits, which the cgroups module retries). */
export async function removeCgroupDirs(dirs: readonly string[]): Promise<void> {
  if (dirs.length) await removeCgroup([...dirs]);
}
