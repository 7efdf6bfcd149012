// The caller's terminal for a foreground `run` or `exec` whose process has a terminal and no
// --console-socket: build/berth-recvtty --tty takes the pty master and relays it to our stdio, with
// our tty in raw mode and its window size following ours (as runc does for its caller). The engine's
// exec sessions use the same relay with pipes for their front's streams (startTtyRelay's `pipes`).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { helperPath } from './helper.ts';

export class TtyRelayError extends Error {
  override name = 'TtyRelayError';
  readonly binary: string;
  constructor(binary: string, detail: string) {
    super(`the terminal relay ${binary} ${detail}`);
    this.binary = binary;
  }
}

export interface TtyRelay {
  /** The console socket to plan the process with. */
  socket: string;
  /** With `pipes`: the relay's stdin (when asked for), stdout and stderr (when asked for), the
   * terminal's input and output for a front's streams; null otherwise. */
  stdin: Writable | null;
  stdout: Readable | null;
  stderr: Readable | null;
  /** With `pipes`: the relay's fd 3, where each "HEIGHT WIDTH" line sets the pty's window size. */
  sizes: Writable | null;
  /** Whether the runtime has taken the socket (the relay unlinks it once it accepted). */
  connected(): boolean;
  /** Asks the relay to copy the last output and end (at the pty's hangup, or once it has been
   * quiet), waits for that at most `ms` (0: none, a relay the runtime never connected); then
   * stops it, which also restores our terminal's mode, and removes its socket. */
  finish(ms?: number): Promise<void>;
  /** Stops it now (a failed start). */
  abort(): void;
}

export interface TtyRelayOptions {
  /** Pipes instead of our own stdio, for a front that has no terminal of its own (an exec
   * session's streams): stdout always, stdin and stderr when asked for (else ignored and
   * inherited), and the size channel on fd 3. */
  pipes?: { stdin: boolean; stderr: boolean };
  /** Stops waiting for the socket (the caller gave up); the start then fails. */
  cancelled?: () => boolean;
}

export function recvttyPath(): string {
  return process.env.BERTH_RECVTTY || join(dirname(helperPath()), 'berth-recvtty');
}

let started = 0;
const START_DEADLINE_MS = 30_000;
/** How long finish() lets the relay drain at most: it ends when the pty hangs up, or once the
 * pty has been quiet for a moment after finish() asked it to drain (native/recvtty.c); the bound
 * is for output that never stops (a background process printing on). */
const RELAY_DRAIN_MS = 10_000;

/** Starts the relay; resolves once its socket accepts connections. */
export async function startTtyRelay(o: TtyRelayOptions = {}): Promise<TtyRelay> {
  // Short path in tmpdir: a unix socket path is at most 107 bytes.
  const socket = join(tmpdir(), `berth-tty-${process.pid}-${Date.now()}-${++started}.sock`);
  const bin = recvttyPath();
  const p = o.pipes;
  const child: ChildProcess = spawn(bin, ['--tty', socket], {
    stdio: p ? [p.stdin ? 'pipe' : 'ignore', 'pipe', p.stderr ? 'pipe' : 'inherit', 'pipe'] : 'inherit',
  });
  const exited = new Promise<void>((res) => child.once('close', () => res()));
  child.once('error', () => { /* reported below: the socket never appears */ });
  const sizes = p ? child.stdio[3] as Writable : null;
  sizes?.on('error', () => { /* the relay is gone */ });
  child.stdin?.on('error', () => { /* the relay is gone */ });
  // What it says before the socket appears goes into the error, not the caller's streams.
  let said = '';
  const hear = (d: Buffer) => { said = (said + d.toString()).slice(-1024); };
  child.stderr?.on('data', hear);
  // A generous deadline: on a loaded machine a fresh process can take seconds to get the CPU.
  for (const deadline = Date.now() + START_DEADLINE_MS; !existsSync(socket) && !o.cancelled?.() && Date.now() < deadline;) {
    if (child.exitCode !== null || child.signalCode !== null) break;
    await sleep(5);
  }
  child.stderr?.off('data', hear);
  // SIGTERM, not SIGKILL: the relay puts our terminal back on its way out.
  const stop = () => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM'); };
  if (!existsSync(socket) || o.cancelled?.()) {
    stop();
    rmSync(socket, { force: true });
    throw new TtyRelayError(bin, o.cancelled?.() ? 'was stopped while starting' : `did not start${said.trim() ? `: ${said.trim()}` : ''}`);
  }
  return {
    socket,
    stdin: child.stdin,
    stdout: child.stdout,
    stderr: child.stderr,
    sizes,
    connected: () => !existsSync(socket),
    async finish(ms = RELAY_DRAIN_MS) {
      // SIGUSR1: the relay copies what the pty holds and ends after a quiet moment of its own
      // (a background process may keep the pty open: no hangup would come); `ms` bounds it.
      if (ms > 0 && child.exitCode === null && child.signalCode === null) child.kill('SIGUSR1');
      await Promise.race([exited, sleep(ms)]);
      stop();
      await Promise.race([exited, sleep(500)]);
      sizes?.end();
      rmSync(socket, { force: true });
    },
    abort() {
      stop();
      rmSync(socket, { force: true });
    },
  };
}

/** Our terminal's size (stdout's, else stderr's), for the pty's first size; without one the relay
 * copies stdin's once it runs. */
export function callerTtySize(): { height: number; width: number } | undefined {
  for (const s of [process.stdout, process.stderr]) {
    if (s.isTTY) {
      const [width, height] = s.getWindowSize();
      if (width && height) return { height, width };
    }
  }
  return undefined;
}

/** Whether the bundle's process asks for a terminal (a peek at config.json before planning). */
export function bundleWantsTerminal(bundle: string): boolean {
  try {
    return (JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8')) as { process?: { terminal?: boolean } }).process?.terminal === true;
  } catch {
    return false; // create reports the unreadable config
  }
}
