// The caller's terminal for a foreground `run` or `exec` whose process has a terminal and no
// --console-socket: build/berth-recvtty --tty takes the pty master and relays it to our stdio, with
// our tty in raw mode and its window size following ours (as runc does for its caller).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
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
  /** Waits for the relay to copy the last output (it ends when the pty hangs up), at most
   * `ms`; then stops it, which also restores our terminal's mode. */
  finish(ms?: number): Promise<void>;
  /** Stops it now (a failed start). */
  abort(): void;
}

export function recvttyPath(): string {
  return process.env.BERTH_RECVTTY || join(dirname(helperPath()), 'berth-recvtty');
}

/** Starts the relay; resolves once its socket accepts connections. */
export async function startTtyRelay(): Promise<TtyRelay> {
  const socket = join(tmpdir(), `berth-tty-${process.pid}-${Date.now()}.sock`);
  const bin = recvttyPath();
  const child: ChildProcess = spawn(bin, ['--tty', socket], { stdio: 'inherit' });
  const exited = new Promise<void>((res) => child.once('exit', () => res()));
  child.once('error', () => { /* reported below: the socket never appears */ });
  for (let i = 0; i < 400 && !existsSync(socket); i++) {
    if (child.exitCode !== null || child.signalCode !== null) break;
    await sleep(5);
  }
  // SIGTERM, not SIGKILL: the relay puts our terminal back on its way out.
  const stop = () => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM'); };
  if (!existsSync(socket)) {
    stop();
    throw new TtyRelayError(bin, 'did not start');
  }
  return {
    socket,
    async finish(ms = 2000) {
      await Promise.race([exited, sleep(ms)]);
      stop();
      await Promise.race([exited, sleep(500)]);
    },
    abort: stop,
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
