// berthd running a read-only command (ps, inspect, images, image inspect) in its own process for
// a client, instead of handing it to a warm worker. Such a command reads the stores and prints in
// a few milliseconds; a worker serves one command and its replacement boots for over 100 ms of
// CPU, so a quick sequence of commands found no worker ready and fell back to the plain CLI.
// The command runs as the worker would run it (the CLI's own main, src/cli/berth/main.ts) with
// the client's stdout and stderr, reopened through /proc/PID/fd/N as a worker reopens them, and
// the client's environment (src/util/caller.ts carries both through the async context). Only
// when nothing else could differ: the same namespaces as berthd, and the same BERTH_*, XDG_*,
// HOME and TZ (the engine's roots and options, the time zone of printed dates); otherwise, and
// for a client that does not know the reply "served" (protocol 1), a worker serves it.
import { closeSync, constants as C, openSync, writeSync } from 'node:fs';
import type { Socket } from 'node:net';
import { asCaller } from '../util/caller.ts';
import type { ClientRequest } from './protocol.ts';
import { namespacesOf, ownNamespaces } from './runtime-serve.ts';
import { openFlags } from './worker.ts';

/** What the CLI offers berthd: which command lines may run here, and how to run one. */
export interface InProcessCommands {
  accepts(argv: readonly string[]): boolean;
  run(argv: string[]): Promise<number>;
}

/** Variables that are the client's own business, not the command's. */
const CLIENT_ONLY = new Set(['BERTH_DAEMON_SOCKET', 'BERTH_DAEMON_REQUIRED', 'BERTH_NO_DAEMON', 'BERTH_CLI', 'BERTH_DAEMON_WORKER']);
const compared = (k: string) => (k.startsWith('BERTH_') || k.startsWith('XDG_') || k === 'HOME' || k === 'TZ') && !CLIENT_ONLY.has(k);

/** Why `req` must go to a worker instead, or undefined when berthd may run it here. */
export function notServableHere(req: ClientRequest, cmds: InProcessCommands): string | undefined {
  if (req.version < 2) return 'the client does not take "served"';
  if (!cmds.accepts(req.argv)) return 'not a read-only command';
  for (const k of new Set([...Object.keys(req.env), ...Object.keys(process.env)])) {
    if (compared(k) && req.env[k] !== process.env[k]) return `${k} differs from berthd's`;
  }
  if (req.stdio[1].mode === 'r' || req.stdio[2].mode === 'r') return 'an output stream opened for reading';
  if (namespacesOf(req.pid) !== ownNamespaces()) return 'the client is in other namespaces than berthd';
  return undefined;
}

/** One of the client's output streams: opened non-blocking (a pipe to a slow reader must not
 * stall berthd), written from a queue that waits out EAGAIN (retrying after 1, 2, 4 … 64 ms). */
class ClientStream {
  readonly #fd: number;
  readonly #queue: Buffer[] = [];
  #timer: NodeJS.Timeout | undefined;
  #backoff = 1;
  #broken = false;
  #drained: (() => void) | undefined;

  constructor(fd: number) { this.#fd = fd; }

  write(b: Buffer): void {
    if (this.#fd < 0 || this.#broken || !b.length) return;
    this.#queue.push(b);
    if (!this.#timer) this.#flush();
  }

  #flush(): void {
    this.#timer = undefined;
    while (this.#queue.length && !this.#broken) {
      const b = this.#queue[0];
      let n: number;
      try {
        n = writeSync(this.#fd, b);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EAGAIN') {
          this.#timer = setTimeout(() => this.#flush(), this.#backoff);
          this.#backoff = Math.min(this.#backoff * 2, 64);
          return;
        }
        this.#broken = true; // EPIPE (the reader is gone) and the like: the rest is lost, as the CLI's would be
        break;
      }
      this.#backoff = 1;
      if (n < b.length) this.#queue[0] = b.subarray(n);
      else this.#queue.shift();
    }
    if (this.#broken) this.#queue.length = 0;
    this.#drained?.();
  }

  /** The client is gone: what is left is dropped (a worker would have been killed with it). */
  abandon(): void {
    this.#broken = true;
    this.#queue.length = 0;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#drained?.();
  }

  /** Everything written, then the fd closed. */
  async close(): Promise<void> {
    if (this.#queue.length && !this.#broken) await new Promise<void>((resolve) => { this.#drained = () => { if (!this.#queue.length) resolve(); }; });
    if (this.#fd >= 0) closeSync(this.#fd);
  }
}

function openClientStream(req: ClientRequest, fd: 1 | 2): ClientStream {
  const s = req.stdio[fd];
  if (s.mode === '-') return new ClientStream(-1);
  return new ClientStream(openSync(`/proc/${req.pid}/fd/${s.fd}`, openFlags(s, fd) | C.O_NONBLOCK));
}

/**
 * Runs the client's command here: "served" once its streams are open, then "exit N". Returns
 * false, having sent nothing, when its streams cannot be opened (a worker serves it then).
 */
export async function serveHere(s: Socket, req: ClientRequest, cmds: InProcessCommands): Promise<boolean> {
  let out: ClientStream | undefined;
  let err: ClientStream;
  try {
    out = openClientStream(req, 1);
    err = openClientStream(req, 2);
  } catch {
    await out?.close();
    return false;
  }
  s.write('served\n');
  // A client that goes away before the end takes the command's output with it; the command
  // itself (a read) finishes.
  const gone = () => { out.abandon(); err.abandon(); };
  s.once('close', gone);
  let code: number;
  try {
    code = await asCaller({ env: req.env, out: (b) => out.write(b), err: (b) => err.write(b) }, () => cmds.run([...req.argv]));
  } catch (e) {
    err.write(Buffer.from(`berth: ${(e as Error).message}\n`));
    code = 125;
  }
  await Promise.all([out.close(), err.close()]);
  s.off('close', gone);
  if (!s.destroyed) s.end(`exit ${code}\n`);
  return true;
}
