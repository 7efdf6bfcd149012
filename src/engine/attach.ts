// A container's streams for a long-lived front (the Docker API) that attaches on behalf of a
// client: its output followed from the log (complete from the first byte, whatever the attach's
// timing), its stdin through conmon's attach socket (berth-attach: Node cannot open
// SOCK_SEQPACKET), and its terminal's size through conmon's control FIFO.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, constants, openSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import type { Engine } from './engine.ts';
import { ContainerStateError } from './errors.ts';
import { readLogs, type LogEntry } from './logs.ts';
import type { ContainerRecord } from './types.ts';

/** The log's current end: output after it belongs to the container's next (or current) run. */
export function logOffset(engine: Engine, id: string): number {
  try { return statSync(join(engine.dir(id), 'ctr.log')).size; } catch { return 0; }
}

export interface FollowOptions {
  /** Where to start in the log (logOffset at attach time); 0: from the first entry. */
  startOffset: number;
  /** False until the container was started by whoever attached first (attach before start). */
  started: () => boolean;
  signal?: AbortSignal;
}

/** The container's output entries from `startOffset` until it stops running. */
export function followOutput(engine: Engine, id: string, opts: FollowOptions): AsyncGenerator<LogEntry> {
  const alive = () => {
    if (!opts.started()) return !opts.signal?.aborted;
    const r = engine.store.get(id);
    return !!r && engine.refresh(r).state.status === 'running';
  };
  return readLogs(join(engine.dir(id), 'ctr.log'), {
    follow: true, alive, pollMs: 50, startOffset: opts.startOffset, watch: [engine.paths.exits], ...(opts.signal ? { signal: opts.signal } : {}),
  });
}

export interface StdinSession {
  stdin: Writable;
  child: ChildProcess;
  /** berth-attach's exit status, once conmon closed the socket. */
  done: Promise<number>;
}

/** Connects a writer to a running container's stdin (it must have been created with
 * OpenStdin). Ending `stdin` closes the container's stdin, as a client's half-close does. */
export function attachStdin(engine: Engine, rec: ContainerRecord, helper: string): Promise<StdinSession> {
  if (!rec.config.openStdin) throw new ContainerStateError(`container ${rec.name} was not created with an open stdin`);
  const sock = join(engine.paths.sockets, rec.id.slice(0, 16), 'attach');
  return new Promise((resolve, reject) => {
    const child = spawn(helper, ['--stdin', '--ready-fd', '3', sock], { stdio: ['pipe', 'ignore', 'ignore', 'pipe'] });
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

/** Sets a running container's terminal size (conmon's control FIFO: "1 ROWS COLS"). */
export function resizeTty(engine: Engine, rec: ContainerRecord, height: number, width: number): void {
  if (!rec.config.tty) return;
  if (rec.state.status !== 'running') throw new ContainerStateError(`cannot resize container ${rec.id}: it is not running`);
  let fd: number;
  try { fd = openSync(join(engine.dir(rec.id), 'ctl'), constants.O_WRONLY | constants.O_NONBLOCK); } catch { return; }
  try { writeSync(fd, `1 ${height} ${width}\n`); } catch { /* conmon gone */ } finally { closeSync(fd); }
}
