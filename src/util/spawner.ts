// Spawning through a small helper process. Every spawn from Node forks the whole calling
// process, and the fork's cost grows with its anonymous memory: berthd (~43 MB) pays 2 ms per
// spawn on a quiet 2-core VM and 15-35 ms under load, blocking its event loop, for each CNI
// plugin's ADD and DEL and each conmon. A long-lived process (berthd's CRI) starts
// `berth-spawn --serve` (native/spawn.c: C, static, ~1 MB) once and hands it the spawns: it
// forks itself (cheap), runs many at once, and answers each when done. Before it, the helper was
// a bare `node -e`: ~40 MB more RSS, and ~6 ms of CPU per pod life on its own (docs/benchmarks.md).
// Two kinds: `run` (a CNI plugin: stdin in, stdout/stderr/status out) and `sync` (conmon: its
// fd 3 read until the first complete line, then left to run). Any failure of the helper itself
// (or no build/berth-spawn) makes callers spawn directly again (activeSpawner returns undefined).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Socket } from 'node:net';
import { nativeToolPath } from './native-tools.ts';

export interface RunResult { code: number | null; signal: string | null; stdout: string; stderr: string; timedOut: boolean }
export interface SyncResult { text: string; stderr: string; closed: boolean }
export class SpawnFailedError extends Error { override name = 'SpawnFailedError'; }

interface Pending { kind: 'run' | 'sync'; resolve: (v: RunResult | SyncResult) => void; reject: (e: Error) => void }

/** build/berth-spawn (or $BERTH_SPAWN). */
export function spawnHelperPath(): string {
  return nativeToolPath('berth-spawn', 'BERTH_SPAWN');
}

/** A frame: u32 count, then each string as u32 length + bytes (native/spawn.c). */
export function encodeFrame(fields: string[]): Buffer {
  const bufs = fields.map((f) => Buffer.from(f, 'utf8'));
  const out = Buffer.alloc(4 + bufs.reduce((n, b) => n + 4 + b.length, 0));
  let o = out.writeUInt32LE(bufs.length, 0);
  for (const b of bufs) { o = out.writeUInt32LE(b.length, o); o += b.copy(out, o); }
  return out;
}

/** The whole frames at the start of `buf`, how many bytes they took, and how many bytes `buf`
 * must hold (from its start) before another frame can be whole: a frame's strings come with
 * their lengths, so a large output is waited for, not parsed again at every chunk. */
export function decodeFrames(buf: Buffer): { frames: string[][]; used: number; need: number } {
  const frames: string[][] = [];
  let used = 0;
  for (;;) {
    let o = used;
    if (buf.length - o < 4) return { frames, used, need: o + 4 };
    const n = buf.readUInt32LE(o);
    o += 4;
    const fields: string[] = [];
    for (let i = 0; i < n; i++) {
      if (buf.length - o < 4) return { frames, used, need: o + 4 };
      const len = buf.readUInt32LE(o);
      if (buf.length - o - 4 < len) return { frames, used, need: o + 4 + len };
      fields.push(buf.toString('utf8', o + 4, o + 4 + len));
      o += 4 + len;
    }
    frames.push(fields);
    used = o;
  }
}

const envList = (env: NodeJS.ProcessEnv) => Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined).map(([k, v]) => `${k}=${v}`);

export class Spawner {
  readonly #child: ChildProcess;
  readonly #pending = new Map<string, Pending>();
  #next = 1;
  #broken = false;
  /** What came from the helper and is not a whole frame yet, and how much of it a frame needs. */
  #chunks: Buffer[] = [];
  #have = 0;
  #need = 4;

  constructor(bin = spawnHelperPath()) {
    this.#child = spawn(bin, ['--serve'], { stdio: ['pipe', 'pipe', 'inherit'] });
    const fail = () => {
      this.#broken = true;
      for (const p of this.#pending.values()) p.reject(new SpawnFailedError('the spawn helper is gone'));
      this.#pending.clear();
    };
    // 'close', not 'exit': replies the helper wrote before it ended may still be in the pipe.
    this.#child.on('close', fail);
    this.#child.on('error', fail);
    this.#child.stdin!.on('error', () => { /* 'close' reports it */ });
    this.#child.stdout!.on('data', (d: Buffer) => {
      this.#chunks.push(d);
      this.#have += d.length;
      if (this.#have < this.#need) return;
      const buf = this.#chunks.length === 1 ? this.#chunks[0] : Buffer.concat(this.#chunks);
      const { frames, used, need } = decodeFrames(buf);
      const rest = buf.subarray(used);
      this.#chunks = rest.length ? [rest] : [];
      this.#have = rest.length;
      this.#need = need - used;
      for (const f of frames) this.#answer(f);
      if (!this.#pending.size) this.#idle();
    });
    this.#child.unref();
    this.#idle();
  }

  get usable(): boolean { return !this.#broken; }

  /** The helper's pid (the parent of what it starts). */
  get pid(): number | undefined { return this.#child.pid; }

  /** Runs `file` with `input` on its stdin to its end (CNI plugins). */
  run(file: string, args: string[], o: { env: NodeJS.ProcessEnv; input: string; timeoutMs: number }): Promise<RunResult> {
    return this.#request('run', ['run', String(Math.max(1, Math.round(o.timeoutMs))), '', file, String(args.length + 1), file, ...args], o.env, o.input) as Promise<RunResult>;
  }

  /** Starts `file` and reads its fd 3 up to the first complete line (conmon's sync pipe). */
  sync(file: string, args: string[], o: { env: NodeJS.ProcessEnv; cwd: string }): Promise<SyncResult> {
    return this.#request('sync', ['sync', '0', o.cwd, file, String(args.length + 1), file, ...args], o.env, '') as Promise<SyncResult>;
  }

  /** No more requests; the helper finishes the runs under way (their answers still come), then ends. */
  close(): void {
    this.#broken = true;
    this.#child.stdin!.end();
  }

  #answer([id, kind, ...rest]: string[]): void {
    const p = this.#pending.get(id);
    if (!p) return;
    this.#pending.delete(id);
    if (kind === 'run' && rest.length === 5) {
      const [code, signal, timedOut, stdout, stderr] = rest;
      p.resolve({ code: code === '' ? null : Number(code), signal: signal || null, stdout, stderr, timedOut: timedOut === '1' });
    } else if (kind === 'sync' && rest.length === 3) {
      const [closed, text, stderr] = rest;
      p.resolve({ text, stderr, closed: closed === '1' });
    } else {
      p.reject(new SpawnFailedError(kind === 'error' ? rest[0] ?? 'cannot start' : `the spawn helper answered ${kind}`));
    }
  }

  #request(kind: 'run' | 'sync', fields: string[], env: NodeJS.ProcessEnv, input: string): Promise<RunResult | SyncResult> {
    if (this.#broken) return Promise.reject(new SpawnFailedError('the spawn helper is gone'));
    const id = String(this.#next++);
    const vars = envList(env);
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { kind, resolve, reject });
      this.#busy();
      this.#child.stdin!.write(encodeFrame([id, ...fields, String(vars.length), ...vars, input]));
    });
  }

  // While a request is out, the pipes keep this process alive; idle, they must not.
  #busy(): void { (this.#child.stdout as Socket).ref(); }
  #idle(): void {
    (this.#child.stdout as Socket).unref();
    (this.#child.stdin as unknown as Socket).unref();
  }
}

let current: Spawner | undefined;

/** Starts the process-wide helper (a long-lived process); none without build/berth-spawn. */
export function startSpawner(): void {
  if (!current?.usable && existsSync(spawnHelperPath())) current = new Spawner();
}

/** The helper, if one was started and still works. */
export function activeSpawner(): Spawner | undefined {
  return current?.usable ? current : undefined;
}

export function stopSpawner(): void {
  current?.close();
  current = undefined;
}
