// Reopening a container's log after the log file was rotated away (kubelet renames it, then asks
// through the CRI's ReopenContainerLog): conmon reopens its log on message type 2 on the
// container's "ctl" FIFO (type 1 is a window resize), "<type> <height> <width>\n".
import { closeSync, constants, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { ContainerStateError } from './errors.ts';
import type { Engine } from './engine.ts';

export function reopenLog(engine: Engine, ref: string): void {
  const rec = engine.get(ref);
  if (rec.state.status !== 'running') throw new ContainerStateError(`container ${rec.id} is not running`);
  let fd: number;
  try {
    // Non-blocking: a FIFO with no reader (conmon gone) fails with ENXIO instead of hanging.
    fd = openSync(join(engine.dir(rec.id), 'ctl'), constants.O_WRONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw new ContainerStateError(`container ${rec.id}: its monitor does not answer (${(e as Error).message})`);
  }
  try { writeSync(fd, '2 0 0\n'); } finally { closeSync(fd); }
}
