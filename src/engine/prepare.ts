// What a process that will create a container soon does first (engine.prepareForRun, and the
// engine itself before a start, a pod's start and a create done ahead), loaded only by such a
// process: the mount helper's server is forked while this process is still small
// (native-mount.ts), and the container's cgroup join, which waits out an RCU grace period unless
// one just passed, is kept warm while the process does plain JavaScript work
// (cgroups/apply.ts keepAttachWarm). probeHost is cached: the create's plan uses the same facts.
//
// The warm-up is one per process (the mount server runs one warm child), while a long-lived
// engine may have several creates on their way at once (berthd's CRI: a pod's start, a create
// done ahead, another client's start): so it is held, not owned. It starts with the first hold,
// each later hold renews its time limit when half of it is spent, and it ends with the last
// release; a release never ends another caller's warm-up.
import { keepAttachWarm } from '../runtime/cgroups/index.ts';
import { probeHost } from '../runtime/host.ts';
import { startMountServer } from '../util/native-mount.ts';

/** How long one warm-up lasts at most (a hold that is never released costs no more). */
const WARM_MS = 3000;

let holds = 0;
let stopWarm: (() => void) | undefined;
let warmSince = 0;

/** Holds the warm-up; the returned function releases this hold (once; later calls do nothing). */
export function prepareForRun(): () => void {
  startMountServer();
  if (!stopWarm || Date.now() - warmSince > WARM_MS / 2) {
    stopWarm?.();
    stopWarm = undefined;
    stopWarm = keepAttachWarm(probeHost().cgroup, WARM_MS, { mountServer: true });
    warmSince = Date.now();
  }
  // Counted once the warm-up runs: a throw above (no cgroup to probe) leaves no hold out.
  holds++;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--holds > 0) return;
    stopWarm?.();
    stopWarm = undefined;
  };
}

/** How many holds are out (tests: every path releases its own). */
export function warmHolds(): number {
  return holds;
}

/** A berthd worker's share of the same: the mount server only (its command may not be a run). */
export function prepareWorker(): void {
  startMountServer();
}
