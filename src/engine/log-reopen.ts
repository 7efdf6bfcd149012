// Reopening a container's log after the log file was rotated away (kubelet renames it, then asks
// through the CRI's ReopenContainerLog): conmon reopens its log on message type 2 on the
// container's "ctl" FIFO (type 1 is a window resize), "<type> <height> <width>\n".
import { closeSync, constants, existsSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { ContainerStateError } from './errors.ts';
import type { Engine } from './engine.ts';

/** Asks conmon to reopen the log and waits (up to 5 s) until the file is there again. */
export async function reopenLog(engine: Engine, ref: string): Promise<void> {
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
  const path = engine.logPath(rec);
  for (const end = Date.now() + 5000; !existsSync(path); await new Promise((r) => setTimeout(r, 10))) {
    if (Date.now() > end) throw new ContainerStateError(`container ${rec.id}: its monitor did not reopen ${path}`);
  }
}
