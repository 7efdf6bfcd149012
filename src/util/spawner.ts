// Spawning through a small helper process. Every spawn from Node forks the whole calling
// process, and the fork's cost grows with its anonymous memory: berthd (~43 MB) pays 2 ms per
// spawn on a quiet 2-core VM and 15-35 ms under load, blocking its event loop, six times per
// pod (the infra's and the container's conmon, the CNI plugins' ADD and DEL). A long-lived
// process (berthd's CRI) starts this helper once, while it is small (a bare `node -e`: ~10 MB
// anonymous), and hands it the spawns over IPC: the helper forks, berthd goes on.
// Two kinds: `run` (a CNI plugin: stdin in, stdout/stderr/status out) and `sync` (conmon: its
// fd 3 read until the first complete line, then left to run). Any failure of the helper itself
// makes callers spawn directly again (spawnerFor returns undefined).
import { spawn, type ChildProcess } from 'node:child_process';

export interface RunResult { code: number | null; signal: string | null; stdout: string; stderr: string; timedOut: boolean }
export interface SyncResult { text: string; stderr: string; closed: boolean }
export class SpawnFailedError extends Error { override name = 'SpawnFailedError'; }

interface Pending { resolve: (v: unknown) => void; reject: (e: Error) => void }

// The helper, as plain CommonJS run with `node -e` (no bundle or module file to find).
const HELPER = String.raw`
const { spawn } = require('node:child_process');
process.on('disconnect', () => process.exit(0));
process.on('message', (m) => {
  const reply = (r) => { try { process.send({ id: m.id, ...r }); } catch {} };
  let child;
  try {
    child = spawn(m.file, m.args, { env: m.env, cwd: m.cwd, stdio: m.kind === 'sync' ? ['ignore', 'ignore', 'pipe', 'pipe'] : ['pipe', 'pipe', 'pipe'] });
  } catch (e) { reply({ error: String(e && e.message || e) }); return; }
  let stderr = '', done = false;
  child.on('error', (e) => { if (!done) { done = true; reply({ error: e.message }); } });
  child.stderr.on('data', (d) => { stderr += d; });
  if (m.kind === 'sync') {
    const sync = child.stdio[3];
    let text = '';
    sync.on('data', (d) => {
      text += d;
      if (done || !/\n/.test(text)) return;
      done = true; sync.destroy(); child.stderr.destroy(); child.unref();
      reply({ text, stderr, closed: false });
    });
    sync.on('error', () => {});
    sync.on('close', () => { if (!done) { done = true; setTimeout(() => reply({ text, stderr, closed: true }), 5); } });
    return;
  }
  let stdout = '', timedOut = false;
  const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, m.timeoutMs);
  child.stdout.on('data', (d) => { stdout += d; });
  child.stdin.on('error', () => {});
  child.on('close', (code, signal) => { clearTimeout(timer); if (!done) { done = true; reply({ code, signal, stdout, stderr, timedOut }); } });
  child.stdin.end(m.input ?? '');
});
`;

export class Spawner {
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, Pending>();
  #next = 1;
  #broken = false;

  constructor() {
    this.#child = spawn(process.execPath, ['-e', HELPER], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: { PATH: process.env.PATH ?? '' } });
    this.#child.on('message', ({ id, ...m }: { id: number; error?: string }) => {
      const p = this.#pending.get(id);
      if (!p) return;
      this.#pending.delete(id);
      if (m.error !== undefined) p.reject(new SpawnFailedError(m.error)); else p.resolve(m);
      if (!this.#pending.size) this.#idle();
    });
    const fail = () => {
      this.#broken = true;
      for (const p of this.#pending.values()) p.reject(new SpawnFailedError('the spawn helper is gone'));
      this.#pending.clear();
    };
    this.#child.on('exit', fail);
    this.#child.on('error', fail);
    this.#idle();
  }

  get usable(): boolean { return !this.#broken; }

  /** Runs `file` with `input` on its stdin to its end (CNI plugins). */
  run(file: string, args: string[], o: { env: NodeJS.ProcessEnv; input: string; timeoutMs: number }): Promise<RunResult> {
    return this.#request({ kind: 'run', file, args, env: o.env, input: o.input, timeoutMs: o.timeoutMs }) as Promise<RunResult>;
  }

  /** Starts `file` and reads its fd 3 up to the first complete line (conmon's sync pipe). */
  sync(file: string, args: string[], o: { env: NodeJS.ProcessEnv; cwd: string }): Promise<SyncResult> {
    return this.#request({ kind: 'sync', file, args, env: o.env, cwd: o.cwd }) as Promise<SyncResult>;
  }

  close(): void {
    this.#broken = true;
    this.#child.kill();
  }

  #request(m: object): Promise<unknown> {
    if (this.#broken) return Promise.reject(new SpawnFailedError('the spawn helper is gone'));
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#busy();
      this.#child.send({ id, ...m });
    });
  }

  // While a request is out the channel keeps this process alive; idle, it must not.
  #busy(): void { (this.#child as unknown as { channel?: { ref(): void } }).channel?.ref(); }
  #idle(): void { (this.#child as unknown as { channel?: { unref(): void } }).channel?.unref(); }
}

let current: Spawner | undefined;

/** Starts the process-wide helper (a long-lived process, early, while it is small). */
export function startSpawner(): void {
  if (!current?.usable) current = new Spawner();
}

/** The helper, if one was started and still works. */
export function activeSpawner(): Spawner | undefined {
  return current?.usable ? current : undefined;
}

export function stopSpawner(): void {
  current?.close();
  current = undefined;
}
