// The lifecycle's view of the cgroups module: just the directories recorded in state.json.
import { readFileSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';

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

/** Removes the directories; v1 rmdir can be EBUSY for a moment after the last task exits. */
export async function removeCgroupDirs(dirs: readonly string[]): Promise<void> {
  for (const d of dirs) {
    for (let attempt = 0; ; attempt++) {
      try {
        rmdirSync(d);
        break;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') break;
        if (code !== 'EBUSY' || attempt >= 50) throw e;
        await new Promise((r) => setTimeout(r, 10));
      }
    }
  }
}
