// Exec sessions for a long-lived front (docker's exec create → start → inspect): the request is
// kept under an id, started with pipes for the front's streams, and its exit code remembered.
// A session with a terminal gets its pty through a console socket held by our own relay
// (berth-recvtty, whatever the container's runtime), so that resize can reach it later.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { startTtyRelay, TtyRelayError, type TtyRelay } from '../runtime/tty-relay.ts';
import type { Spec } from '../oci/index.ts';
import { randomBytes } from '../util/random.ts';
import { exitCodeFor } from './conmon.ts';
import type { Engine } from './engine.ts';
import { ContainerStateError, EngineError } from './errors.ts';
import { execProcessSpec, type ExecRequest } from './containers/exec.ts';
import { parseDetachKeys } from './detach-keys.ts';

export class NoSuchExecError extends EngineError {
  override name = 'NoSuchExecError';
  constructor(id: string) {
    super(`No such exec instance: ${id}`);
  }
}

export interface ExecSession {
  id: string;
  containerId: string;
  req: ExecRequest;
  running: boolean;
  /** null until it exited. */
  exitCode: number | null;
  pid: number;
  created: number;
  /** The client's detach keys (docker's ExecConfig.DetachKeys; '' for the default). */
  detachKeys: string;
  /** The terminal relay's size channel ("H W" lines), while a session with a terminal runs. */
  sizes?: Writable;
}

export interface ExecStreams {
  stdin: Writable | null;
  stdout: Readable;
  stderr: Readable;
  /** The exit code (also kept in the session). */
  exit: Promise<number>;
}

/** How long a finished session stays inspectable. */
const KEEP_MS = 10 * 60_000;

export class ExecSessions {
  readonly #sessions = new Map<string, ExecSession>();
  readonly #engine: Engine;

  constructor(engine: Engine) {
    this.#engine = engine;
  }

  /** `detachKeys`: checked now (a bad one is an error here), used by the front that streams. */
  create(ref: string, req: ExecRequest, detachKeys = ''): ExecSession {
    parseDetachKeys(detachKeys);
    const rec = this.#engine.containers.get(ref);
    if (rec.state.status !== 'running') throw new ContainerStateError(`Container ${rec.id} is not running`);
    if (rec.state.paused) throw new ContainerStateError(`Container ${rec.id} is paused, unpause the container before exec`);
    if (!req.cmd.length) throw new EngineError('No exec command specified');
    this.#gc();
    const s: ExecSession = { id: randomBytes(32).toString('hex'), containerId: rec.id, req, running: false, exitCode: null, pid: 0, created: Date.now(), detachKeys };
    this.#sessions.set(s.id, s);
    return s;
  }

  get(id: string): ExecSession {
    const s = this.#sessions.get(id);
    if (!s) throw new NoSuchExecError(id);
    return s;
  }

  /** Sessions of one container (inspect's ExecIDs). */
  of(containerId: string): ExecSession[] {
    return [...this.#sessions.values()].filter((s) => s.containerId === containerId && s.running);
  }

  /** Runs the session's process through the container's runtime, with pipes for its stdio (a
   * terminal's output comes from the relay instead). */
  async start(id: string): Promise<ExecStreams> {
    const s = this.get(id);
    if (s.running || s.exitCode !== null) throw new ContainerStateError(`exec ${id} has already been started`);
    const rec = this.#engine.containers.inspect(s.containerId);
    if (rec.state.status !== 'running') throw new ContainerStateError(`Container ${rec.id} is not running`);
    const dir = rec.bundleDir;
    const spec = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Spec;
    const proc = execProcessSpec(spec.process!, join(dir, 'rootfs'), s.req);
    const sdir = join(dir, 'exec', s.id.slice(0, 32));
    mkdirSync(sdir, { recursive: true });
    const specPath = join(sdir, 'process.json');
    writeFileSync(specPath, JSON.stringify(proc));
    s.running = true;
    const relay = s.req.tty ? await startRelay(!!s.req.interactive).catch((e: unknown) => { s.running = false; throw e; }) : undefined;
    if (relay) s.sizes = relay.sizes!;
    const args = ['--root', this.#engine.paths.runtimeRoot, 'exec', '--process', specPath, ...(relay ? ['--console-socket', relay.socket] : []), rec.id];
    const child = spawn(rec.config.runtime, args, { stdio: [!relay && s.req.interactive ? 'pipe' : 'ignore', relay ? 'ignore' : 'pipe', 'pipe'] });
    s.pid = child.pid ?? 0;
    let tail = '';
    child.stderr!.on('data', (d: Buffer) => { tail = (tail + d.toString()).slice(-4096); });
    child.stdin?.on('error', () => { /* the process closed its stdin */ });
    const exit = new Promise<number>((resolve) => {
      const done = (c: number) => {
        s.running = false;
        s.exitCode = c;
        s.sizes = undefined;
        // The relay ends by itself when the pty hangs up; not if the runtime never connected.
        if (relay) void relay.finish(relay.connected() ? undefined : 0);
        resolve(c);
      };
      child.on('error', () => done(126));
      child.on('close', (code, signal) => {
        let c = code ?? (signal ? 128 + ({ SIGKILL: 9, SIGTERM: 15, SIGINT: 2, SIGHUP: 1 } as Record<string, number>)[signal] : 1);
        if (c !== 0 && /exec failed|starting container process caused|unable to start container process/i.test(tail)) {
          const mapped = exitCodeFor(tail);
          if (mapped !== 125) c = mapped;
        }
        done(c);
      });
    });
    if (relay) return { stdin: relay.stdin, stdout: relay.stdout!, stderr: child.stderr!, exit };
    return { stdin: child.stdin, stdout: child.stdout!, stderr: child.stderr!, exit };
  }

  /** Sets the window size of a session's terminal: before start, the size it starts with. A
   * session without a terminal has nothing to resize. */
  resize(id: string, height: number, width: number): void {
    const s = this.get(id);
    if (!s.req.tty) return;
    if (!s.running && s.exitCode === null) { s.req.consoleSize = { height, width }; return; }
    if (!s.running) throw new ContainerStateError(`exec ${id} is not running`);
    s.sizes?.write(`${height} ${width}\n`);
  }

  #gc(): void {
    const now = Date.now();
    for (const [id, s] of this.#sessions) if (!s.running && s.exitCode !== null && now - s.created > KEEP_MS) this.#sessions.delete(id);
  }
}

/** berth-recvtty with pipes for the front's streams and its size channel (kept as s.sizes). */
async function startRelay(interactive: boolean): Promise<TtyRelay> {
  try {
    return await startTtyRelay({ pipes: { stdin: interactive, stderr: false } });
  } catch (e) {
    throw e instanceof TtyRelayError ? new EngineError(e.message) : e;
  }
}
