// What a process that will start a container right away does first (engine.prepareForRun),
// loaded only by such a process:
// the mount helper's server is forked while this process is still small (native-mount.ts),
// and the container's cgroup join, which waits out an RCU grace period unless one just passed,
// is kept warm while the process does plain JavaScript work (cgroups/apply.ts keepAttachWarm).
// probeHost is cached: the create's plan uses the same facts later.
import { keepAttachWarm } from '../runtime/cgroups/index.ts';
import { probeHost } from '../runtime/host.ts';
import { startMountServer } from '../util/native-mount.ts';

export function prepareForRun(): () => void {
  startMountServer();
  return keepAttachWarm(probeHost().cgroup, 3000, { mountServer: true });
}

/** A berthd worker's share of the same: the mount server only (its command may not be a run). */
export function prepareWorker(): void {
  startMountServer();
}
