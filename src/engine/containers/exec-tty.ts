// A piped exec with a terminal whose window size the caller can set (the CRI's Exec with tty and
// its resize stream): the pty's master goes to our own relay (berth-recvtty --tty on a console
// socket of the exec's, whatever the container's runtime), its stdio pipes carry the terminal's
// input and output, and "HEIGHT WIDTH" lines on its fd 3 set the window size. The runtime starts
// once the relay's socket accepts; until then sizes are kept and the first one is the pty's
// initial size. The object stands for both processes: it closes when the runtime has exited and
// the relay has copied the last output (it ends when the pty hangs up; at most 2 s later).
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { startTtyRelay, type TtyRelay } from '../../runtime/tty-relay.ts';
import type { Spec } from '../../oci/index.ts';
import { randomBytes } from '../../util/random.ts';
import type { EngineCore } from '../core.ts';
import { ContainerStateError } from '../errors.ts';
import { execProcessSpec, type ExecRequest } from './exec.ts';

/** What the CRI's streaming needs of an exec or attach helper (a ChildProcess fits). */
export interface PipedProcess extends EventEmitter {
  readonly stdin: Writable | null;
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  readonly exitCode: number | null;
  readonly signalCode: NodeJS.Signals | null;
  /** Ends what it runs (the process in the container too). */
  killProcess(): void;
  /** Sets the terminal's window size; nothing without a terminal. */
  resize(height: number, width: number): void;
}

class TtyExec extends EventEmitter implements PipedProcess {
  readonly stdin = new PassThrough();
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  exitCode: number | null = null;
  signalCode: NodeJS.Signals | null = null;
  #size?: { height: number; width: number };
  #sizes?: Writable;
  #runtime?: ChildProcess;
  #pidFile = '';
  #killed = false;

  resize(height: number, width: number): void {
    if (!(height > 0 && width > 0)) return;
    this.#size = { height, width };
    this.#sizes?.write(`${height} ${width}\n`);
  }

  killProcess(): void {
    this.#killed = true;
    try { process.kill(Number(readFileSync(this.#pidFile, 'utf8').trim()), 'SIGKILL'); } catch { /* not started, or gone */ }
    this.#runtime?.kill('SIGKILL');
    if (!this.#runtime) this.#finish(137, 'SIGKILL');
  }

  async start(core: EngineCore, ref: string, req: ExecRequest): Promise<void> {
    const rec = core.get(ref);
    const dir = core.dir(rec.id);
    const spec = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Spec;
    const id = randomBytes(16).toString('hex');
    const sdir = join(dir, 'exec', id);
    mkdirSync(sdir, { recursive: true });
    this.#pidFile = join(sdir, 'pid');
    const cleanup = () => rmSync(sdir, { recursive: true, force: true });
    let relay: TtyRelay;
    try {
      relay = await startTtyRelay({ pipes: { stdin: true, stderr: true }, cancelled: () => this.#killed });
    } catch (e) {
      cleanup();
      if (!this.#killed) this.emit('error', new ContainerStateError((e as Error).message));
      this.#finish(this.#killed ? 137 : 126, this.#killed ? 'SIGKILL' : null);
      return;
    }
    this.stdin.pipe(relay.stdin!);
    relay.stdout!.pipe(this.stdout, { end: false });
    relay.stderr!.pipe(this.stderr, { end: false });
    this.#sizes = relay.sizes!;
    const proc = execProcessSpec(spec.process!, join(dir, 'rootfs'), { ...req, ...(this.#size ? { consoleSize: this.#size } : {}) });
    const specPath = join(sdir, 'process.json');
    writeFileSync(specPath, JSON.stringify(proc));
    const runtime = spawn(rec.config.runtime, ['--root', core.paths.runtimeRoot, 'exec', '--process', specPath, '--pid-file', this.#pidFile, '--console-socket', relay.socket, rec.id],
      { stdio: ['ignore', 'ignore', 'pipe'] });
    this.#runtime = runtime;
    let tail = '';
    runtime.stderr!.on('data', (d: Buffer) => { tail = (tail + d.toString()).slice(-4096); });
    runtime.once('error', (e) => this.emit('error', e));
    runtime.once('close', async (code, signal) => {
      // The relay ends by itself when the pty hangs up; not if the runtime never connected.
      await relay.finish(relay.connected() ? undefined : 0);
      cleanup();
      if (code !== 0 && tail) this.stderr.write(tail);
      this.#finish(code, signal);
    });
  }

  #finish(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.exitCode !== null || this.signalCode !== null) return;
    this.exitCode = code;
    this.signalCode = signal;
    this.stdout.end();
    this.stderr.end();
    this.emit('close', code, signal);
  }
}

/** Starts `req` (whose tty is set) in the container; see the file's comment. */
export function spawnExecTty(core: EngineCore, ref: string, req: ExecRequest): PipedProcess {
  const rec = core.get(ref);
  if (rec.state.status !== 'running') throw new ContainerStateError(`Container ${rec.id} is not running`);
  if (rec.state.paused) throw new ContainerStateError(`Container ${rec.id} is paused, unpause the container before exec`);
  const t = new TtyExec();
  void t.start(core, ref, { ...req, tty: true, interactive: true });
  return t;
}
