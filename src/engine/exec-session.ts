// Exec sessions for a long-lived front (docker's exec create → start → inspect): the request is
// kept under an id, started with pipes for the front's streams, and its exit code remembered.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import type { Spec } from '../oci/index.ts';
import { randomBytes } from '../util/random.ts';
import { exitCodeFor } from './conmon.ts';
import type { Engine } from './engine.ts';
import { ContainerStateError, EngineError } from './errors.ts';
import { execProcessSpec, type ExecRequest } from './containers/exec.ts';

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

  create(ref: string, req: ExecRequest): ExecSession {
    const rec = this.#engine.containers.get(ref);
    if (rec.state.status !== 'running') throw new ContainerStateError(`Container ${rec.id} is not running`);
    if (rec.state.paused) throw new ContainerStateError(`Container ${rec.id} is paused, unpause the container before exec`);
    if (!req.cmd.length) throw new EngineError('No exec command specified');
    this.#gc();
    const s: ExecSession = { id: randomBytes(32).toString('hex'), containerId: rec.id, req, running: false, exitCode: null, pid: 0, created: Date.now() };
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

  /** Runs the session's process through the container's runtime, with pipes for its stdio. */
  start(id: string): ExecStreams {
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
    const args = ['--root', this.#engine.paths.runtimeRoot, 'exec', '--process', specPath, ...(s.req.tty ? ['--tty'] : []), rec.id];
    const child = spawn(rec.config.runtime, args, { stdio: [s.req.interactive ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    s.running = true;
    s.pid = child.pid ?? 0;
    let tail = '';
    child.stderr!.on('data', (d: Buffer) => { tail = (tail + d.toString()).slice(-4096); });
    child.stdin?.on('error', () => { /* the process closed its stdin */ });
    const exit = new Promise<number>((resolve) => {
      child.on('error', () => { s.running = false; s.exitCode = 126; resolve(126); });
      child.on('close', (code, signal) => {
        let c = code ?? (signal ? 128 + ({ SIGKILL: 9, SIGTERM: 15, SIGINT: 2, SIGHUP: 1 } as Record<string, number>)[signal] : 1);
        if (c !== 0 && /exec failed|starting container process caused|unable to start container process/i.test(tail)) {
          const mapped = exitCodeFor(tail);
          if (mapped !== 125) c = mapped;
        }
        s.running = false;
        s.exitCode = c;
        resolve(c);
      });
    });
    return { stdin: child.stdin, stdout: child.stdout!, stderr: child.stderr!, exit };
  }

  #gc(): void {
    const now = Date.now();
    for (const [id, s] of this.#sessions) if (!s.running && s.exitCode !== null && now - s.created > KEEP_MS) this.#sessions.delete(id);
  }
}
