// `pause` / `resume`: the container's freezer cgroup. The paused status is never stored: state
// derives it from the freezer, so a thaw done behind our back shows as running again.
import { freeze, thaw } from '../cgroups/freezer.ts';
import { InvalidStateError } from '../errors.ts';
import { containerStatus } from '../container.ts';

export async function pauseContainer(root: string, id: string): Promise<void> {
  const { record, status } = containerStatus(root, id);
  // Only running: a paused `created` container would still show as created (its exec fifo).
  if (status !== 'running') throw new InvalidStateError(id, status, `container not running (${status})`);
  if (!record.cgroupDirs.length) throw new InvalidStateError(id, status, 'the container has no cgroup to freeze');
  await freeze(record.cgroupDirs);
}

export async function resumeContainer(root: string, id: string): Promise<void> {
  const { record, status } = containerStatus(root, id);
  if (status !== 'paused') throw new InvalidStateError(id, status, `container not paused (${status})`);
  await thaw(record.cgroupDirs);
}
