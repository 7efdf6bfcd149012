// berth's own runtime as a library, in this process: the same state root and the same locks as
// the berth-runtime binary, without a Node start per call (~40 ms each). The library is loaded
// on the first call, so that engine commands that never touch the runtime don't pay for it.
// exec stays a process of its own (the binary): it owns the caller's stdio and terminal for as
// long as the process runs.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BinaryRuntime } from './binary.ts';
import { fromLibrary } from './errors.ts';
import type { CreateOptions, ExecOptions, ExecResult, OciRuntime, RuntimeFeatures, RuntimeResources, RuntimeState, RuntimeStats } from './interface.ts';
import { featuresFrom, stateFrom } from './results.ts';

type Lib = typeof import('../../runtime/index.ts');
type Ops = typeof import('../../runtime/ops/index.ts');
let lib: Promise<Lib> | undefined;
let ops: Promise<Ops> | undefined;
const loadLib = () => (lib ??= import('../../runtime/index.ts'));
const loadOps = () => (ops ??= import('../../runtime/ops/index.ts'));

export class InProcessRuntime implements OciRuntime {
  readonly inProcess = true;
  readonly path: string;
  readonly root: string;
  private readonly binary: BinaryRuntime;
  private readonly warn: (msg: string) => void;
  /** `path`: the berth-runtime binary (for exec). `warn`: hook failures after the point of no
   * return, which the binary would print as warnings (default: dropped, as the engine did). */
  constructor(path: string, root: string, warn: (msg: string) => void = () => {}) {
    this.path = path;
    this.root = root;
    this.warn = warn;
    this.binary = new BinaryRuntime(path, root);
  }

  private async guard<T>(op: string, id: string, f: () => T | Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (e) {
      throw fromLibrary(op, id, e);
    }
  }

  create(id: string, o: CreateOptions): Promise<void> {
    return this.guard('create', id, async () => {
      const { createContainer } = await loadLib();
      // The container must not hold this process's stdio open (a caller reading our output
      // would never see its end): the engine gives containers theirs through conmon.
      const { session } = await createContainer({
        root: this.root, id, bundle: o.bundle, pidFile: o.pidFile, consoleSocket: o.consoleSocket, stdio: ['ignore', 'ignore', 'ignore'],
      });
      session.close();
    });
  }

  start(id: string): Promise<void> {
    return this.guard('start', id, async () => {
      // The engine adds no poststart hooks and needs no wait for the exec.
      await (await loadLib()).startContainer(this.root, id, this.warn, { awaitExec: false });
    });
  }

  state(id: string): Promise<RuntimeState> {
    return this.guard('state', id, async () => stateFrom((await loadLib()).getState(this.root, id)));
  }

  kill(id: string, signal: number | string, opts: { all?: boolean } = {}): Promise<void> {
    return this.guard('kill', id, async () => {
      const l = await loadLib();
      l.killContainer(this.root, id, typeof signal === 'number' ? signal : l.parseSignal(signal), opts.all ?? false);
    });
  }

  delete(id: string, opts: { force?: boolean } = {}): Promise<void> {
    return this.guard('delete', id, async () => {
      await (await loadLib()).deleteContainer(this.root, id, { force: opts.force ?? false }, this.warn);
    });
  }

  exec(id: string, o: ExecOptions): Promise<ExecResult> {
    return this.binary.exec(id, o);
  }

  ps(id: string): Promise<number[]> {
    return this.guard('ps', id, async () => (await loadOps()).containerPids(this.root, id));
  }

  pause(id: string): Promise<void> {
    return this.guard('pause', id, async () => (await loadOps()).pauseContainer(this.root, id));
  }

  resume(id: string): Promise<void> {
    return this.guard('resume', id, async () => (await loadOps()).resumeContainer(this.root, id));
  }

  update(id: string, resources: RuntimeResources): Promise<void> {
    return this.guard('update', id, async () => {
      const { warnings } = await (await loadOps()).updateContainer(this.root, id, resources);
      for (const w of warnings) this.warn(w);
    });
  }

  stats(id: string): Promise<RuntimeStats> {
    return this.guard('events', id, async () => (await loadOps()).statsEvent(this.root, id).data);
  }

  features(): Promise<RuntimeFeatures> {
    return this.guard('features', '', async () => featuresFrom((await loadOps()).hostFeatures()));
  }

  mayHaveState(id: string): boolean {
    return existsSync(join(this.root, id));
  }
}
