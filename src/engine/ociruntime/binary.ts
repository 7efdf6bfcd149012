// Any runc-compatible runtime (runc, crun, berth-runtime as a binary) through its command line:
// `<path> --root ROOT <command> ...`, its failures parsed into RuntimeError (errors.ts).
import { execFile, spawn } from 'node:child_process';
import { closeSync, existsSync, fstatSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { signalExitCode } from '../../runtime/signals.ts';
import { fromStderr, RuntimeError } from './errors.ts';
import type { CreateOptions, ExecOptions, ExecResult, OciRuntime, RuntimeFeatures, RuntimeResources, RuntimeState, RuntimeStats } from './interface.ts';
import { statsFrom, featuresFrom, stateFrom } from './results.ts';

interface Output { code: number; stdout: string; stderr: string }

/** Runtimes known to keep a container's state in <root>/<id> (runc's layout). */
const ROOT_ID_LAYOUT = new Set(['berth-runtime', 'berth-runtime.mjs', 'berth-runtime-client', 'runc', 'crun', 'youki']);

export class BinaryRuntime implements OciRuntime {
  readonly inProcess = false;
  readonly path: string;
  readonly root: string;
  private readonly timeoutMs: number;
  constructor(path: string, root: string, timeoutMs = 60_000) {
    this.path = path;
    this.root = root;
    this.timeoutMs = timeoutMs;
  }

  /** Runs one command; `input` goes to its stdin. Never rejects: a spawn failure is code 127. */
  run(args: string[], input?: string): Promise<Output> {
    return new Promise((resolve) => {
      const child = execFile(this.path, ['--root', this.root, ...args], { timeout: this.timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
        const e = err as (NodeJS.ErrnoException & { code?: unknown }) | null;
        const code = !e ? 0 : typeof e.code === 'number' ? e.code : e.code === 'ENOENT' ? 127 : 1;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) || (e && typeof e.code !== 'number' ? e.message : '') });
      });
      if (input !== undefined) child.stdin?.end(input);
      else child.stdin?.end();
    });
  }

  /** Runs one command; its failure as a RuntimeError. */
  private async call(op: string, id: string, args: string[], input?: string): Promise<string> {
    const r = await this.run(args, input);
    if (r.code !== 0) throw fromStderr(op, id, r.stderr, r.code);
    return r.stdout;
  }

  private json(op: string, id: string, text: string): unknown {
    try {
      return JSON.parse(text);
    } catch {
      throw new RuntimeError('failed', op, id, `${basename(this.path)} ${op}: output is not JSON: ${text.slice(0, 200)}`);
    }
  }

  async create(id: string, o: CreateOptions): Promise<void> {
    const args = ['--root', this.root, 'create', '--bundle', o.bundle,
      ...(o.pidFile ? ['--pid-file', o.pidFile] : []), ...(o.consoleSocket ? ['--console-socket', o.consoleSocket] : []), id];
    // The container's process inherits the runtime's stdio: pipes would stay open for as long
    // as it runs. Its stdout is /dev/null and the runtime's stderr an unlinked file read at exit.
    const dir = mkdtempSync(join(tmpdir(), 'berth-create-'));
    const errFd = openSync(join(dir, 'stderr'), 'w+');
    rmSync(dir, { recursive: true, force: true });
    try {
      const code = await new Promise<number>((resolve) => {
        const child = spawn(this.path, args, { stdio: ['ignore', 'ignore', errFd], timeout: this.timeoutMs });
        child.on('error', (e) => { writeSync(errFd, e.message); resolve(127); });
        child.on('exit', (c) => resolve(c ?? 1));
      });
      if (code !== 0) {
        const size = fstatSync(errFd).size, buf = Buffer.alloc(Math.min(size, 1 << 20));
        readSync(errFd, buf, 0, buf.length, 0);
        throw fromStderr('create', id, buf.toString(), code);
      }
    } finally {
      closeSync(errFd);
    }
  }

  async start(id: string): Promise<void> {
    await this.call('start', id, ['start', id]);
  }

  async state(id: string): Promise<RuntimeState> {
    return stateFrom(this.json('state', id, await this.call('state', id, ['state', id])));
  }

  async kill(id: string, signal: number | string, opts: { all?: boolean } = {}): Promise<void> {
    await this.call('kill', id, ['kill', ...(opts.all ? ['--all'] : []), id, String(signal)]);
  }

  async delete(id: string, opts: { force?: boolean } = {}): Promise<void> {
    await this.call('delete', id, ['delete', ...(opts.force ? ['--force'] : []), id]);
  }

  exec(id: string, o: ExecOptions): Promise<ExecResult> {
    return new Promise((resolve) => {
      const args = ['--root', this.root, 'exec', '--process', o.processFile, ...(o.tty ? ['--tty'] : []), id];
      const child = spawn(this.path, args, { stdio: [o.stdin ?? 'ignore', 'inherit', 'pipe'] });
      child.stderr!.on('data', (d: Buffer) => { o.onStderr?.(d); });
      child.on('error', (e) => resolve({ code: 126, error: e.message }));
      child.on('close', (code, signal) => {
        resolve({ code: code ?? (signal ? signalExitCode(signal) : 1) });
      });
    });
  }

  async ps(id: string): Promise<number[]> {
    // runc prints null for a container with no processes.
    const v = this.json('ps', id, await this.call('ps', id, ['ps', '--format', 'json', id]));
    return Array.isArray(v) ? v.map(Number) : [];
  }

  async pause(id: string): Promise<void> {
    await this.call('pause', id, ['pause', id]);
  }

  async resume(id: string): Promise<void> {
    await this.call('resume', id, ['resume', id]);
  }

  async update(id: string, resources: RuntimeResources): Promise<void> {
    // The OCI resources object on stdin (runc, crun and berth-runtime all read `-r -`).
    await this.call('update', id, ['update', '--resources', '-', id], exactJson(resources));
  }

  async stats(id: string): Promise<RuntimeStats> {
    const out = await this.call('events', id, ['events', '--stats', id]);
    const ev = this.json('events', id, out.trim().split('\n')[0] ?? '') as { data?: unknown };
    return statsFrom(ev.data);
  }

  async features(): Promise<RuntimeFeatures> {
    return featuresFrom(this.json('features', '', await this.call('features', '', ['features'])));
  }

  mayHaveState(id: string): boolean {
    return !ROOT_ID_LAYOUT.has(basename(this.path)) || existsSync(join(this.root, id));
  }
}

/** JSON with bigints written as exact numbers (LinuxResources' Int may be a bigint). */
export function exactJson(v: unknown): string {
  const marks: string[] = [];
  const text = JSON.stringify(v, (_k, x: unknown) => {
    if (typeof x !== 'bigint') return x;
    marks.push(x.toString());
    return `\u0000${marks.length - 1}\u0000`;
  });
  return text.replace(/"\\u0000(\d+)\\u0000"/g, (_m, i: string) => marks[Number(i)]);
}
