// berthd (`berth system service`): keeps a few warm CLI workers and hands each client command
// to one. A worker serves one command and exits (fresh process state per command, as the
// plain CLI has); a new one is started in its place at low priority, raised once it is ready.
// Read-only commands (ps, inspect, images) and berth-runtime's commands run in this process
// instead (serve-query.ts, runtime-serve.ts).
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { setPriority } from 'node:os';
import { signalNumber } from '../runtime/signals.ts';
import { inUserNamespace } from '../util/userns.ts';
import { dirname } from 'node:path';
import { DEFAULT_SOCKET, ProtocolError, parseRequest, takeFrame, type ClientRequest } from './protocol.ts';
import { WORKER_ENV, type FromWorker, type ToWorker } from './worker.ts';
import { isRuntimeRequest, parseRuntimeRequest, serveRuntime, warmRuntime } from './runtime-serve.ts';
import { notServableHere, serveHere, type InProcessCommands } from './serve-query.ts';

/** How long a BERTH_DAEMON_REQUIRED client waits for a booting worker before it is sent to the
 * plain CLI: long enough for a boot on a loaded machine (a boot loads and warms every command,
 * which takes seconds at load 15 on two cores; 3 s failed tests there, and 20 s once, a rebuilt
 * bundle's fresh workers booting at load 12 with the test pinned to one core). */
const WAIT_FOR_WORKER_MS = 60_000;

export interface DaemonOptions {
  socket?: string;
  /** Warm workers kept ready (default 2). */
  workers?: number;
  /** The CLI launcher workers run (dist/berth.mjs): what the clients must name. */
  script: string;
  /** Where the daemon logs (default stderr). */
  log?: (line: string) => void;
  /** The CLI's read-only commands, run in this process (serve-query.ts); without it every
   * command goes to a worker. */
  inProcess?: InProcessCommands;
}

interface Worker {
  child: ChildProcess;
  ready: boolean;
  /** The launcher's bundle as this worker loaded it: a rebuilt bundle makes the worker stale. */
  stamp: string;
}

export class SocketInUseError extends Error {
  readonly socket: string;
  constructor(socket: string) {
    super(`berthd: ${socket} is in use: another berthd is running`);
    this.socket = socket;
    this.name = 'SocketInUseError';
  }
}

/** Size, mtime and inode of the files a worker loads: they change with every build. */
function buildStamp(script: string): string {
  const parts: string[] = [];
  for (const f of [script, `${dirname(script)}/lib/berth.cjs`]) {
    try {
      const st = statSync(f, { bigint: true });
      parts.push(`${st.size}:${st.mtimeNs}:${st.ino}`);
    } catch {
      parts.push('-');
    }
  }
  return parts.join('/');
}

function socketAnswers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

export class Daemon {
  readonly socket: string;
  readonly script: string;
  private readonly target: number;
  private readonly log: (line: string) => void;
  private readonly idle: Worker[] = [];
  private readonly busy = new Set<ChildProcess>();
  private server?: Server;
  private stopping = false;
  /** Commands run by a worker, and commands sent back to the plain CLI (logged at close). */
  readonly counts = { served: 0, fallback: 0 };
  /** Booting workers' processes, to raise their priority when a client waits for one. */
  private readonly booting = new Set<ChildProcess>();
  /** Commands being served in this process (runtime-serve.ts, serve-query.ts). */
  private inFlight = 0;
  private readonly inProcess: InProcessCommands | undefined;
  /** The build this process loaded: runtime commands run in it, so a rebuild must be noticed. */
  private readonly loadedStamp: string;
  /** Clients waiting for a worker to be ready (all were busy or booting). */
  private readonly waiting: { s: Socket; req: ClientRequest; timer: NodeJS.Timeout }[] = [];

  constructor(opts: DaemonOptions) {
    this.socket = opts.socket ?? DEFAULT_SOCKET;
    this.script = realpathSync(opts.script);
    this.target = Math.max(1, opts.workers ?? 2);
    this.log = opts.log ?? ((l) => process.stderr.write(`berthd: ${l}\n`));
    this.loadedStamp = buildStamp(this.script);
    this.inProcess = opts.inProcess;
  }

  async listen(): Promise<void> {
    mkdirSync(dirname(this.socket), { recursive: true, mode: 0o700 });
    if (existsSync(this.socket)) {
      if (await socketAnswers(this.socket)) throw new SocketInUseError(this.socket);
      unlinkSync(this.socket); // left by a daemon that died
    }
    const server = createServer((s) => this.accept(s));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.socket, () => resolve());
    });
    chmodSync(this.socket, 0o600);
    this.server = server;
    this.refill();
    // After the workers' spawns: the runtime's code warms in this process while they boot.
    setImmediate(() => { warmRuntime().catch((e: Error) => this.log(`runtime warm-up: ${e.message}`)); });
  }

  /** Stops accepting, ends idle workers, waits for running commands, removes the socket. */
  async close(): Promise<void> {
    this.stopping = true;
    const closed = new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    for (const w of this.idle.splice(0)) w.child.kill('SIGKILL');
    for (const q of this.waiting.splice(0)) { clearTimeout(q.timer); this.fallback(q.s, 'berthd is stopping\n'); }
    await closed;
    while (this.busy.size || this.booting.size || this.inFlight) await new Promise((r) => setTimeout(r, 20));
    try { unlinkSync(this.socket); } catch { /* gone already */ }
    this.log(`stopped: ${this.counts.served} command(s) served (by warm workers, or in this process: runtime and read-only commands), ${this.counts.fallback} sent to the plain CLI`);
  }

  private refill(): void {
    while (!this.stopping && this.idle.length + this.booting.size < this.target) this.spawnWorker();
  }

  private spawnWorker(): void {
    const stamp = buildStamp(this.script);
    // A booting worker must not slow the commands running meanwhile: it starts at nice 19, all
    // its threads (they take the value of the thread that starts them, so it is set by nice(1)
    // before Node starts any), and is raised to 0 once ready. Raising it back needs
    // CAP_SYS_NICE of the host's user namespace: a user's berthd (rootless) lacks it, and its
    // workers, with the commands they ran and the containers those started, stayed at 19.
    // There a worker boots at the priority it will serve at.
    const low = canRaisePriority();
    const child = spawn(low ? 'nice' : this.script, low ? ['-n', '19', this.script] : [], {
      env: { ...process.env, [WORKER_ENV]: '1' },
      stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
      detached: true,
    });
    if (low) setAutogroupNice(child.pid!, 19);
    this.booting.add(child);
    const w: Worker = { child, ready: false, stamp };
    const onReady = (m: FromWorker) => {
      if (!('ready' in m)) return;
      child.off('message', onReady);
      this.booting.delete(child);
      w.ready = true;
      renice(child.pid!, 0);
      if (this.stopping) { child.kill('SIGKILL'); return; }
      // Rebuilt while it booted: it holds the old bundle.
      if (w.stamp !== buildStamp(this.script)) { child.kill('SIGKILL'); this.refill(); return; }
      this.idle.push(w);
      const q = this.waiting.shift();
      if (q) {
        clearTimeout(q.timer);
        this.serve(q.s, q.req);
      }
    };
    child.on('message', onReady);
    child.once('exit', (code, signal) => {
      if (!w.ready) {
        this.booting.delete(child);
        this.log(`a worker exited while starting (${signal ?? code}); is ${this.script} runnable?`);
        return; // not refilled at once: a broken build would spin
      }
      const i = this.idle.indexOf(w);
      if (i >= 0) this.idle.splice(i, 1);
    });
    child.once('error', (e) => this.log(`cannot start a worker: ${e.message}`));
  }

  private accept(s: Socket): void {
    let buf = Buffer.alloc(0);
    const onData = (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      let frame;
      try {
        frame = takeFrame(buf);
      } catch (e) {
        this.fallback(s, `${(e as Error).message}\n`);
        return;
      }
      if (!frame) return;
      s.off('data', onData);
      if (isRuntimeRequest(frame.payload)) {
        this.serveRuntime(s, frame.payload, frame.rest);
        return;
      }
      let req: ClientRequest;
      try {
        req = parseRequest(frame.payload);
      } catch (e) {
        this.fallback(s, `${e instanceof ProtocolError ? e.message : String(e)}\n`);
        return;
      }
      this.serve(s, req);
    };
    s.on('data', onData);
    s.on('error', () => { /* the client went away; handled on close */ });
  }

  /** A berth-runtime command from build/berth-runtime-client, run here (not in a worker: a
   * runtime command is short, and a one-shot worker per call would cost a Node start). */
  private serveRuntime(s: Socket, payload: Buffer, rest: Buffer): void {
    let req;
    try {
      req = parseRuntimeRequest(payload);
    } catch (e) {
      this.counts.fallback++;
      s.destroy(); // the client takes a lost connection before any reply as "run the plain runtime"
      this.log((e as Error).message);
      return;
    }
    this.inFlight++;
    const done = () => { this.inFlight--; };
    serveRuntime(s, req, rest, { script: this.script, stale: () => buildStamp(this.script) !== this.loadedStamp, counts: this.counts })
      .then(done, (e: Error) => { done(); this.log(`runtime command failed: ${e.stack ?? e.message}`); s.destroy(); });
  }

  private fallback(s: Socket, line: string): void {
    this.counts.fallback++;
    s.end(`fallback ${line}`);
  }

  private takeWorker(): Worker | undefined {
    const stamp = buildStamp(this.script);
    for (;;) {
      const w = this.idle.shift();
      if (!w) return undefined;
      if (w.stamp === stamp && w.child.exitCode === null && w.child.connected) return w;
      w.child.kill('SIGKILL'); // an older build, or dead
    }
  }

  private serve(s: Socket, req: ClientRequest): void {
    if (req.script !== this.script) {
      this.fallback(s, `berthd serves ${this.script}, not ${req.script}\n`);
      return;
    }
    // Here only with the code on disk: a rebuilt CLI must not print with the old one.
    if (this.inProcess && notServableHere(req, this.inProcess) === undefined && buildStamp(this.script) === this.loadedStamp) {
      this.inFlight++;
      serveHere(s, req, this.inProcess).then((done) => {
        this.inFlight--;
        if (done) this.counts.served++;
        else this.serveByWorker(s, req);
      }, (e: Error) => {
        this.inFlight--;
        this.log(`a command served in this process failed: ${e.stack ?? e.message}`);
        s.destroy();
      });
      return;
    }
    this.serveByWorker(s, req);
  }

  private serveByWorker(s: Socket, req: ClientRequest): void {
    const w = this.takeWorker();
    this.refill();
    if (!w && !wantsDaemon(req)) {
      // All busy or still booting: the plain CLI in the client now is faster than a worker
      // booting at full priority (a boot costs more CPU than a plain start: it loads and warms
      // every command), and a burst of commands then keeps the booting ones at low priority.
      this.fallback(s, 'no warm worker\n');
      return;
    }
    if (!w) {
      // BERTH_DAEMON_REQUIRED: wait for the worker on its way (refill), at full priority.
      for (const c of this.booting) renice(c.pid!, 0);
      const q = { s, req, timer: setTimeout(() => {
        const i = this.waiting.indexOf(q);
        if (i >= 0) this.waiting.splice(i, 1);
        this.fallback(s, 'no warm worker\n');
      }, WAIT_FOR_WORKER_MS) };
      this.waiting.push(q);
      s.once('close', () => {
        const i = this.waiting.indexOf(q);
        if (i >= 0) { this.waiting.splice(i, 1); clearTimeout(q.timer); }
      });
      return;
    }
    const child = w.child;
    this.busy.add(child);
    let started = false;
    let failed = false;
    let answered = false;
    const answer = (line: string) => {
      if (answered || s.destroyed) return;
      answered = true;
      s.end(line);
    };
    child.on('message', (m: FromWorker) => {
      if ('started' in m) {
        started = true;
        this.counts.served++;
        s.write(`pid ${m.started}\n`);
      } else if ('failed' in m) {
        failed = true;
        this.counts.fallback++;
        answer(`fallback ${m.failed}\n`);
      } else if ('done' in m && started) {
        // The command is over; the process winding down need not hold the client.
        answer(`exit ${m.done}\n`);
      }
    });
    const finish = (code: number | null, signal: NodeJS.Signals | null) => {
      this.busy.delete(child);
      this.refill();
      if (failed) return;
      // Only a worker that never took the command may send the client to the plain CLI: a
      // command must not run twice.
      if (!started) { this.counts.fallback++; answer('fallback the worker exited before it started\n'); return; }
      answer(signal ? `signal ${signalNumber(signal) ?? 9}\n` : `exit ${code ?? 125}\n`);
    };
    // Every message is read before the channel reports its end, so none is missed.
    child.once('exit', (code, signal) => {
      if (child.connected) child.once('disconnect', () => finish(code, signal));
      else finish(code, signal);
    });
    // A client killed outright takes its command with it, as a killed CLI would.
    s.once('close', () => {
      if (!answered && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    child.send({ request: req } satisfies ToWorker);
  }
}

let raisable: boolean | undefined;
/** Whether this process may lower nice values again (CAP_SYS_NICE in the host's user
 * namespace): root of the initial namespace; not root of a user's own (rootless berthd). */
function canRaisePriority(): boolean {
  if (raisable === undefined) {
    raisable = !inUserNamespace() && process.getuid?.() === 0;
  }
  return raisable;
}

/** Sets the nice value of every thread of a process and of its children: Linux's nice is per
 * thread, and threads (libuv's pool, V8's) and children keep the value they were started with. */
function renice(pid: number, value: number, depth = 0): void {
  if (depth === 0) setAutogroupNice(pid, value);
  let tids: string[];
  try { tids = readdirSync(`/proc/${pid}/task`); } catch { return; }
  for (const t of tids) {
    try { setPriority(Number(t), value); } catch { /* gone, or not allowed: stays as it is */ }
    if (depth > 2) continue;
    let kids: string[] = [];
    try { kids = readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').split(' ').filter(Boolean); } catch { /* gone */ }
    for (const k of kids) renice(Number(k), value, depth + 1);
  }
}

/** With the scheduler's autogroups (sched_autogroup_enabled), CPU time is shared between
 * sessions first and task nice values count only within one; a worker has a session of its own,
 * so its session's nice is what keeps a booting worker from slowing a running command. */
function setAutogroupNice(pid: number, value: number): void {
  try { writeFileSync(`/proc/${pid}/autogroup`, String(value)); } catch { /* no autogroups here */ }
}

/** The client was told not to fall back (BERTH_DAEMON_REQUIRED): it waits for a worker. */
function wantsDaemon(req: ClientRequest): boolean {
  const v = req.env.BERTH_DAEMON_REQUIRED;
  return v !== undefined && v !== '' && v !== '0';
}

