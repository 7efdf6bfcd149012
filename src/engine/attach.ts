// A container's stdin and terminal size for a long-lived front (the Docker API) attaching on a
// client's behalf. (Its output comes from containers.logs, which is complete from the first byte
// whatever the attach's timing.) Stdin goes through conmon's attach socket by berth-attach
// (Node cannot open SOCK_SEQPACKET); the size through conmon's control FIFO.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, constants, openSync, writeSync } from 'node:fs';
import type { Writable } from 'node:stream';
import type { Engine } from './engine.ts';
import { ContainerStateError } from './errors.ts';

export interface StdinSession {
  stdin: Writable;
  child: ChildProcess;
  /** berth-attach's exit status, once conmon closed the socket. */
  done: Promise<number>;
}

/** Connects a writer to a running container's stdin (it must have been created with
 * OpenStdin). Ending `stdin` closes the container's stdin, as a client's half-close does. */
export function attachStdin(engine: Engine, ref: string, helper: string): Promise<StdinSession> {
  const rec = engine.containers.get(ref);
  if (!rec.config.openStdin) throw new ContainerStateError(`container ${rec.name} was not created with an open stdin`);
  const { socket } = engine.containers.attachPaths(rec.id);
  return new Promise((resolve, reject) => {
    const child = spawn(helper, ['--stdin', '--ready-fd', '3', socket], { stdio: ['pipe', 'ignore', 'ignore', 'pipe'] });
    const done = new Promise<number>((res) => child.on('close', (code) => res(code ?? 1)));
    const ready = child.stdio[3] as NodeJS.ReadableStream & { destroy(): void };
    let ok = false;
    child.stdin!.on('error', () => { /* the container closed its stdin: nothing to deliver to */ });
    ready.on('data', () => { ok = true; ready.destroy(); resolve({ stdin: child.stdin!, child, done }); });
    ready.on('error', () => {});
    ready.on('close', () => { if (!ok) void done.then((c) => reject(new ContainerStateError(`cannot attach to ${rec.name}'s stdin (berth-attach exited ${c})`))); });
    child.on('error', (e) => reject(new ContainerStateError(`cannot run ${helper}: ${e.message}`)));
  });
}

/** Sets a running container's terminal size (conmon's control FIFO: "1 ROWS COLS"); nothing for
 * a container without a terminal. */
export function resizeTty(engine: Engine, ref: string, height: number, width: number): void {
  const rec = engine.containers.get(ref);
  if (!rec.config.tty) return;
  if (rec.state.status !== 'running') throw new ContainerStateError(`cannot resize container ${rec.id}: it is not running`);
  let fd: number;
  try { fd = openSync(engine.containers.attachPaths(rec.id).ctl, constants.O_WRONLY | constants.O_NONBLOCK); } catch { return; }
  try { writeSync(fd, `1 ${height} ${width}\n`); } catch { /* conmon gone */ } finally { closeSync(fd); }
}
