// A test double of the OCI runtime interface: containers as records in memory, the lifecycle's
// rules as runc applies them, failures as the RuntimeError kinds. It holds no processes: a
// "container" runs until killed. For engine code paths that map runtime failures, and as the
// contract suite's reference subject.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RuntimeError } from '../../src/engine/ociruntime/index.ts';
import type { OciRuntime, RuntimeCreateOptions, RuntimeExecOptions, RuntimeExecResult, RuntimeFeatures, RuntimeResources, RuntimeState, RuntimeStats } from '../../src/engine/ociruntime/index.ts';

interface FakeContainer { state: RuntimeState; paused: boolean; memoryLimit: number }

const SIGNALS: Record<string, number> = { HUP: 1, INT: 2, QUIT: 3, KILL: 9, USR1: 10, USR2: 12, TERM: 15 };

export class FakeRuntime implements OciRuntime {
  readonly path = '/fake/runtime';
  readonly root = '/fake/root';
  readonly inProcess = true;
  readonly containers = new Map<string, FakeContainer>();
  /** Every call, in order ("kill ID 9"): what a test asserts the engine asked for. */
  readonly calls: string[] = [];
  private nextPid = 1000;

  private get(op: string, id: string): FakeContainer {
    this.calls.push(`${op} ${id}`);
    const c = this.containers.get(id);
    if (!c) throw new RuntimeError('not-found', op, id, 'container does not exist');
    return c;
  }

  private status(c: FakeContainer): string {
    return c.paused ? 'paused' : c.state.status;
  }

  async create(id: string, o: RuntimeCreateOptions): Promise<void> {
    this.calls.push(`create ${id}`);
    if (this.containers.has(id)) throw new RuntimeError('exists', 'create', id, `container with id exists: ${id}`);
    const config = join(o.bundle, 'config.json');
    if (!existsSync(config)) throw new RuntimeError('invalid-config', 'create', id, `bundle ${o.bundle}: no config.json`);
    const spec = JSON.parse(readFileSync(config, 'utf8')) as { process?: { args?: string[] } };
    if (!spec.process?.args?.length) throw new RuntimeError('invalid-config', 'create', id, `${config}: process.args: must be a non-empty array of strings`);
    this.containers.set(id, { state: { ociVersion: '1.2.0', id, status: 'created', pid: this.nextPid++, bundle: o.bundle }, paused: false, memoryLimit: 0 });
  }

  async start(id: string): Promise<void> {
    const c = this.get('start', id);
    if (c.state.status === 'stopped') throw new RuntimeError('already-stopped', 'start', id, 'cannot start a container that has stopped');
    if (c.state.status !== 'created') throw new RuntimeError('not-running', 'start', id, `cannot start an already ${this.status(c)} container`);
    c.state.status = 'running';
  }

  async state(id: string): Promise<RuntimeState> {
    const c = this.get('state', id);
    return { ...c.state, status: c.paused ? 'paused' : c.state.status };
  }

  async kill(id: string, signal: number | string): Promise<void> {
    const c = this.get('kill', id);
    const n = typeof signal === 'number' ? signal : /^\d+$/.test(signal) ? Number(signal) : SIGNALS[signal.replace(/^SIG/, '')];
    if (n === undefined) throw new RuntimeError('invalid-config', 'kill', id, `unknown signal ${JSON.stringify(signal)}`);
    if (c.state.status === 'stopped') throw new RuntimeError('already-stopped', 'kill', id, 'container not running');
    if (n === 9 || !c.paused) { c.state.status = 'stopped'; c.state.pid = 0; c.paused = false; }
  }

  async delete(id: string, opts: { force?: boolean } = {}): Promise<void> {
    const c = this.get('delete', id);
    if (c.state.status !== 'stopped' && c.state.status !== 'created' && !opts.force) {
      throw new RuntimeError('not-running', 'delete', id, `cannot delete container ${id} that is not stopped: ${this.status(c)}`);
    }
    this.containers.delete(id);
  }

  async exec(id: string, _o: RuntimeExecOptions): Promise<RuntimeExecResult> {
    const c = this.get('exec', id);
    if (c.state.status === 'stopped') throw new RuntimeError('already-stopped', 'exec', id, 'cannot exec in a stopped container');
    return { code: 0 };
  }

  async ps(id: string): Promise<number[]> {
    const c = this.get('ps', id);
    return c.state.status === 'stopped' ? [] : [c.state.pid];
  }

  async pause(id: string): Promise<void> {
    const c = this.get('pause', id);
    if (c.state.status === 'stopped') throw new RuntimeError('already-stopped', 'pause', id, 'container not running (stopped)');
    if (c.state.status !== 'running' || c.paused) throw new RuntimeError('not-running', 'pause', id, `container not running (${this.status(c)})`);
    c.paused = true;
  }

  async resume(id: string): Promise<void> {
    const c = this.get('resume', id);
    if (!c.paused) throw new RuntimeError('not-running', 'resume', id, `container not paused (${this.status(c)})`);
    c.paused = false;
  }

  async update(id: string, r: RuntimeResources): Promise<void> {
    const c = this.get('update', id);
    if (c.state.status === 'stopped') throw new RuntimeError('already-stopped', 'update', id, 'cannot update a stopped container');
    if (r.memory?.limit !== undefined) c.memoryLimit = Number(r.memory.limit);
  }

  async stats(id: string): Promise<RuntimeStats> {
    const c = this.get('events', id);
    const running = c.state.status !== 'stopped';
    const mem = { usage: running ? 4096 : 0, max: 4096, limit: c.memoryLimit, failcnt: 0 };
    return {
      cpu: { usage: { total: 1000, percpu: [1000], kernel: 0, user: 0 }, throttling: { periods: 0, throttledPeriods: 0, throttledTime: 0 } },
      memory: { cache: 0, usage: mem, swap: mem, raw: {} },
      pids: { current: running ? 1 : 0, limit: 0 },
      blkio: { ioServiceBytesRecursive: [], ioServicedRecursive: [] },
      hugetlb: {},
    };
  }

  async features(): Promise<RuntimeFeatures> {
    const raw = { ociVersionMin: '1.0.0', ociVersionMax: '1.2.0', hooks: ['prestart', 'poststop'], mountOptions: ['bind', 'ro'] };
    return { ...raw, raw };
  }

  mayHaveState(id: string): boolean {
    return this.containers.has(id);
  }
}
