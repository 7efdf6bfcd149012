// Test clean-up for mounts a test made itself on the host.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** The host's mount points at `dir` or under it (the test process's mount namespace). */
export function mountPointsUnder(dir: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n')
    .map((l) => l.split(' ')[4]).filter((mp): mp is string => !!mp && (mp === dir || mp.startsWith(`${dir}/`)));
}

/** Lazily unmounts everything at `dir` or under it, deepest first (stacked mounts one by one),
 * whether or not `dir` itself is a mount point. Errors are ignored: what stays is for the
 * caller's leak check to report. */
export function unmountUnder(dir: string): void {
  for (let round = 0; round < 20; round++) {
    const mps = mountPointsUnder(dir).sort((a, b) => b.length - a.length);
    if (!mps.length) return;
    for (const mp of mps) {
      try { execFileSync('umount', ['--lazy', mp], { stdio: 'ignore' }); } catch { /* already gone with its parent */ }
    }
  }
}
