// A berthd worker: a Node process that has booted and loaded the CLI, waiting to run one
// command for a client (native/client.c). It takes over the client's standard streams,
// environment, working directory and umask, runs the command exactly as the plain CLI would,
// and exits with its status; the daemon tells the client.
import { closeSync, constants as C, openSync } from 'node:fs';
import type { ClientRequest, StdioSpec } from './protocol.ts';

/** The environment variable that makes dist/berth.mjs a worker instead of running argv. */
export const WORKER_ENV = 'BERTH_DAEMON_WORKER';

/** Whether this process runs its command for a berthd client (set once it adopted one). */
export let servingClient = false;

/** Messages over the IPC channel, daemon → worker and back. */
export type ToWorker = { request: ClientRequest };
export type FromWorker = { ready: true } | { started: number } | { failed: string } | { done: number };

/** The open(2) flags that give the worker (or berthd, serve-query.ts) the client's stream `fd`. */
export function openFlags(s: StdioSpec, fd: number): number {
  const base = s.mode === 'r' ? C.O_RDONLY : s.mode === 'w' ? C.O_WRONLY : s.mode === 'a' ? C.O_WRONLY | C.O_APPEND
    : s.mode === 'u' ? C.O_RDWR : fd === 0 ? C.O_RDONLY : C.O_WRONLY;
  // A worker is a session leader: without O_NOCTTY the client's terminal would become its
  // controlling terminal.
  return base | C.O_NOCTTY;
}

/**
 * Makes fds 0-2 the client's streams. Node has no dup2, but open() returns the lowest free fd:
 * closing fd N and opening at once gives N again (nothing else in this idle process opens files
 * concurrently; the result is checked).
 */
export function adoptStdio(req: ClientRequest): void {
  for (let fd = 0; fd < 3; fd++) {
    const s = req.stdio[fd];
    const path = s.mode === '-' ? '/dev/null' : `/proc/${req.pid}/fd/${s.fd}`;
    closeSync(fd);
    const got = openSync(path, openFlags(s, fd));
    if (got !== fd) throw new Error(`reopening the client's fd ${fd} gave fd ${got}`);
  }
}

/** Everything else the command inherits from the client's process. */
export function adoptProcess(req: ClientRequest): void {
  process.chdir(req.cwd);
  process.umask(req.umask);
  for (const k of Object.keys(process.env)) delete process.env[k];
  Object.assign(process.env, req.env);
  process.argv.splice(2, process.argv.length, ...req.argv);
}

/**
 * Runs the worker's side: `warm` (loading what commands need), then "ready"; on the request,
 * adopts the client and runs `run` with its argv. Resolves with the command's exit code.
 * Without a request (the daemon went away) the process exits.
 */
export async function serveAsWorker(warm: () => Promise<void>, run: (argv: string[]) => Promise<number>): Promise<number> {
  await warm();
  const req = await new Promise<ClientRequest>((resolve) => {
    process.once('message', (m: ToWorker) => resolve(m.request));
    process.once('disconnect', () => process.exit(0));
    process.send!({ ready: true } satisfies FromWorker);
  });
  process.removeAllListeners('disconnect');
  try {
    adoptStdio(req);
    adoptProcess(req);
  } catch (e) {
    await new Promise<void>((resolve) => process.send!({ failed: (e as Error).message } satisfies FromWorker, () => resolve()));
    return 125;
  }
  servingClient = true;
  await new Promise<void>((resolve) => process.send!({ started: process.pid } satisfies FromWorker, () => resolve()));
  // The channel stays open (Node makes it close-on-exec: nothing the command starts inherits
  // it) but does not keep the process alive.
  (process.channel as unknown as { unref(): void } | undefined)?.unref();
  return run(req.argv);
}

/** Tells the daemon the command's status before the process winds down: the client need not
 * wait for the exit itself. Call it once everything the command wrote is out: a pipe's
 * process.stdout may still hold a queue (src/cli/stdio.ts flushStdio). */
export function reportDone(code: number): Promise<void> {
  if (!process.connected || !process.send) return Promise.resolve();
  return new Promise((resolve) => {
    process.send!({ done: code } satisfies FromWorker, () => resolve());
  });
}
