// The spawn side of the native helper (build/berth-init): starts it with the container's stdio,
// the preserved fds and the channel above them, writes the plan, and turns the channel into an
// async message API. docs/plan-format.md describes the records.
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import type { Socket } from 'node:net';
import type { Duplex, Stream } from 'node:stream';
import { nativeToolPath } from '../util/native-tools.ts';
import { getSystemErrorMessage, getSystemErrorName } from 'node:util';
import { encodeRecord, encodeSteps, RecordReader, type Step } from './plan.ts';

/** A failing step, as the helper reported it with ["error", INDEX, OP, ERRNO, MESSAGE]. */
export class HelperError extends Error {
  override name = 'HelperError';
  /** 0-based index of the step in the plan (-1: the plan itself was unreadable). */
  readonly index: number;
  readonly op: string;
  /** The errno value (0 when none applies) and its name, e.g. 'ENOENT'. */
  readonly errno: number;
  readonly code: string | undefined;
  /** The helper's own description, e.g. "mount proc (proc) on /proc". */
  readonly detail: string;
  /** The message without its "step N (op): " prefix, for errors that name the step themselves. */
  readonly reason: string;
  constructor(index: number, op: string, errno: number, detail: string) {
    const code = errno > 0 ? errnoName(errno) : undefined;
    const reason = `${detail}${errno > 0 ? `: ${errnoMessage(errno)} (${code})` : ''}`;
    super(`step ${index} (${op}): ${reason}`);
    this.reason = reason;
    this.index = index;
    this.op = op;
    this.errno = errno;
    this.code = code;
    this.detail = detail;
  }

  static fromRecord(rec: string[]): HelperError {
    return new HelperError(Number(rec[1]), rec[2] ?? '?', Number(rec[3]) || 0, rec[4] ?? '');
  }
}

/** The channel ended (the helper or the init exited, or exec'd) while a record was awaited. */
export class HelperClosedError extends Error {
  override name = 'HelperClosedError';
  constructor(message = 'the helper closed the channel') {
    super(message);
  }
}

/** A record that does not fit the conversation (e.g. a sync where a report was expected). */
export class HelperProtocolError extends Error {
  override name = 'HelperProtocolError';
  readonly record: string[];
  constructor(expected: string, record: string[]) {
    super(`expected ${expected} from the helper, got ${JSON.stringify(record)}`);
    this.record = record;
  }
}

function errnoName(errno: number): string {
  try { return getSystemErrorName(-errno); } catch { return `errno ${errno}`; }
}
function errnoMessage(errno: number): string {
  try { return getSystemErrorMessage(-errno); } catch { return `errno ${errno}`; }
}

export type StdioSlot = 'inherit' | 'pipe' | 'ignore' | 'overlapped' | number | Stream | null | undefined;

export interface HelperOptions {
  /** Pass --wait: the stage-0 process stays, forwards signals and exits with the init's status. */
  wait: boolean;
  /** The container's fds 0, 1 and 2, as child_process takes them. */
  stdio: [StdioSlot, StdioSlot, StdioSlot];
  /** Fds 3 … 3+N−1 of this process are handed to the container unchanged. */
  preserveFds: number;
  /** Defaults to helperPath(). */
  helperPath?: string;
}

export interface HelperExit { code: number | null; signal: string | null }

/** How the helper is to be started (CreateOptions.startHelper). */
export interface StartHelperHow {
  /** --wait: stage 0 stays as the init's reaper (run in the foreground). */
  wait: boolean;
  /** The caller's fds 3 … 3+N−1 go to the container. */
  preserveFds: number;
}

export interface HelperSession {
  /** The init's pid in our pid namespace; rejects with HelperError if a stage-0 step failed. */
  pid(): Promise<number>;
  /** The same, synchronously: undefined until ["pid", N] has arrived (e.g. for cleanup paths). */
  readonly initPid: number | undefined;
  /** The next record other than "pid" (sync, report or error); rejects with HelperClosedError at EOF. */
  next(): Promise<string[]>;
  /** Awaits ["sync"|"report", name]; an error record rejects with its HelperError. */
  expect(op: 'sync' | 'report', name?: string): Promise<void>;
  /** Writes a record to the init, e.g. ['state', json], ['go'], ['abort']. Ignored once closed. */
  send(fields: (string | Buffer)[]): void;
  /** The stage-0 process's exit (with --wait: the init's status, 128+N when killed). */
  readonly exited: Promise<HelperExit>;
  /** The spawned stage-0 process (its stdio streams when 'pipe' was asked, kill()); none when
   * the helper was started by berth-relay. */
  readonly child: ChildProcess | undefined;
  /** Closes our end of the channel: an init still waiting for "go" takes that as abort. */
  close(): void;
}

/** build/berth-init; BERTH_INIT overrides. */
export function helperPath(): string {
  return nativeToolPath('berth-init', 'BERTH_INIT');
}

interface Waiter<T> { resolve: (v: T) => void; reject: (e: Error) => void }

/** A helper we spawned ourselves: its process is at hand. */
export interface SpawnedHelper extends HelperSession {
  readonly child: ChildProcess;
}

export function startHelper(steps: Step[], opts: HelperOptions): SpawnedHelper {
  const chanFd = 3 + opts.preserveFds;
  const stdio: StdioOptions = [...opts.stdio];
  for (let fd = 3; fd < chanFd; fd++) stdio.push(fd);
  stdio.push('pipe');
  const args = [String(chanFd)];
  if (opts.wait) args.push('--wait');
  const child = spawn(opts.helperPath ?? helperPath(), args, { stdio });
  const chan = child.stdio[chanFd] as Socket;
  let spawnError: Error | undefined;
  let failSpawn: (err: Error) => void = () => {};
  const exited = new Promise<HelperExit>((resolve) => {
    child.on('error', (err) => {
      spawnError = err;
      failSpawn(err);
      resolve({ code: null, signal: null });
    });
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
  const session = channelSession(chan, steps, exited, child, () => !!spawnError);
  failSpawn = session.fail;
  // channelSession was given the child: its `child` is set.
  return session.session as SpawnedHelper;
}

/** A helper started by someone else (berth-relay on conmon's behalf, berth-runtime-client on
 * its caller's) whose channel reaches us as a stream: the same conversation, without a child
 * process of ours. `exited` resolves when the channel closes, or as `stage0Exit` says when the
 * starter reports stage 0's exit. */
export function relayedHelper(chan: Duplex, steps: Step[], stage0Exit?: Promise<HelperExit>): HelperSession {
  // close() must not end the connection: the relay still needs its exit record. It ends our
  // part of the conversation; the relay closes the helper's channel when it exits.
  let closed = () => {};
  const exited = new Promise<HelperExit>((resolve) => {
    closed = () => resolve({ code: null, signal: null });
    chan.once('close', closed);
    stage0Exit?.then(resolve);
  });
  const s = channelSession(chan, steps, exited, undefined, () => false, () => {
    s.fail(new HelperClosedError('the relayed helper session was closed'));
    closed();
  });
  // The relay half-closes when the helper's channel ends (it still awaits its exit record).
  chan.once('end', () => s.fail(new HelperClosedError()));
  chan.resume();
  return s.session;
}

function channelSession(
  chan: Duplex, steps: Step[], exited: Promise<HelperExit>, child: ChildProcess | undefined, spawnFailed: () => boolean,
  closer: () => void = () => { chan?.destroy(); },
): { session: HelperSession; fail: (err: Error) => void } {
  const reader = new RecordReader();
  const queue: string[][] = [];
  const waiters: Waiter<string[]>[] = [];
  const pidWaiters: Waiter<number>[] = [];
  let pidValue: number | undefined;
  let pidError: Error | undefined;
  let ended: Error | undefined;

  const settlePid = () => {
    // Waiters stay queued until the pid (or an error) is known.
    if (pidValue === undefined && !pidError) return;
    for (const w of pidWaiters.splice(0)) {
      if (pidValue !== undefined) w.resolve(pidValue);
      else if (pidError) w.reject(pidError);
    }
  };
  const deliver = () => {
    while (waiters.length && queue.length) waiters.shift()!.resolve(queue.shift()!);
    if (ended && !queue.length) for (const w of waiters.splice(0)) w.reject(ended);
  };
  const end = (err: Error) => {
    if (ended) return;
    ended = err;
    if (pidValue === undefined && !pidError) pidError = err;
    settlePid();
    deliver();
  };

  chan.on('data', (chunk: Buffer) => {
    for (const rec of reader.push(chunk)) {
      if (rec[0] === 'pid' && pidValue === undefined && !pidError) {
        pidValue = Number(rec[1]);
        settlePid();
        continue;
      }
      if (rec[0] === 'error' && pidValue === undefined && !pidError) {
        pidError = HelperError.fromRecord(rec);
        settlePid();
      }
      queue.push(rec);
    }
    deliver();
  });
  chan.on('error', () => { /* EPIPE/ECONNRESET: the init is gone; 'close' follows */ });
  chan.on('close', () => end(new HelperClosedError()));

  if (chan) chan.write(encodeSteps(steps));

  const session: HelperSession = {
    get initPid() { return pidValue; },
    pid: () => new Promise<number>((resolve, reject) => {
      pidWaiters.push({ resolve, reject });
      settlePid();
    }),
    next: () => new Promise<string[]>((resolve, reject) => {
      waiters.push({ resolve, reject });
      deliver();
    }),
    async expect(op, name) {
      const rec = await this.next();
      if (rec[0] === 'error') throw HelperError.fromRecord(rec);
      if (rec[0] !== op || (name !== undefined && rec[1] !== name)) {
        throw new HelperProtocolError(name === undefined ? op : `${op} ${name}`, rec);
      }
    },
    send(fields) {
      if (ended || spawnFailed() || chan.destroyed) return;
      chan.write(encodeRecord(fields));
    },
    exited,
    child,
    close: closer,
  };
  return { session, fail: end };
}
