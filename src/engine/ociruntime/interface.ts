// The OCI runtime as the engine sees it (the role of podman's OCIRuntime or containerd's shim
// API): typed calls, typed results, failures as RuntimeError with a kind. Two implementations:
// berth's own runtime as a library in this process (inprocess.ts) and any runc-compatible
// binary through its command line (binary.ts). conmon still runs the binary for the create
// and exec it monitors (conmon.ts); these are the calls the engine makes itself.
import type { Resources } from '../../oci/spec.ts';
import type { StatsEvent } from '../../runtime/ops/events.ts';

/** `update`: the OCI linux.resources object (only the fields given change). */
export type RuntimeResources = Resources;

export type RuntimeStatus = 'creating' | 'created' | 'running' | 'paused' | 'stopped';

/** `state`: the OCI state document. */
export interface RuntimeState {
  ociVersion: string;
  id: string;
  status: RuntimeStatus;
  /** 0 once stopped. */
  pid: number;
  bundle: string;
  created?: string;
  owner?: string;
  annotations?: Record<string, string>;
}

/** `events --stats`: runc's stats document (types.Stats in runc's events), every number present
 * (0 where the runtime or the cgroup version has none). */
export type RuntimeStats = StatsEvent['data'];

/** `features`: the parts of the OCI features document the engine may ask about. */
export interface RuntimeFeatures {
  ociVersionMin: string;
  ociVersionMax: string;
  hooks: string[];
  mountOptions: string[];
  /** The whole document as the runtime printed it. */
  raw: Record<string, unknown>;
}

export interface CreateOptions {
  bundle: string;
  pidFile?: string;
  consoleSocket?: string;
}

export interface ExecOptions {
  /** A process.json (the OCI process object). */
  processFile: string;
  tty?: boolean;
  /** stdin for the process: ours, or none. Stdout goes to ours; stderr to ours and onStderr. */
  stdin?: 'inherit' | 'ignore';
  onStderr?: (chunk: Buffer) => void;
}

/** An exec's end: its exit status (128+N for a signal), or how the runtime failed to run it. */
export interface ExecResult { code: number; error?: string }

export interface OciRuntime {
  /** The runtime executable (an absolute path) and its state root (--root). */
  readonly path: string;
  readonly root: string;
  /** True for berth's own runtime served by the library in this process. */
  readonly inProcess: boolean;
  create(id: string, opts: CreateOptions): Promise<void>;
  start(id: string): Promise<void>;
  state(id: string): Promise<RuntimeState>;
  /** signal: a number or a name (SIGTERM, TERM, 15). all: every process of the container. */
  kill(id: string, signal: number | string, opts?: { all?: boolean }): Promise<void>;
  delete(id: string, opts?: { force?: boolean }): Promise<void>;
  /** Runs a process in the container in the foreground (stdio passes through). */
  exec(id: string, opts: ExecOptions): Promise<ExecResult>;
  /** The host pids of the container's processes. */
  ps(id: string): Promise<number[]>;
  pause(id: string): Promise<void>;
  resume(id: string): Promise<void>;
  update(id: string, resources: RuntimeResources): Promise<void>;
  stats(id: string): Promise<RuntimeStats>;
  features(): Promise<RuntimeFeatures>;
  /** False only when the runtime certainly holds no state for `id` (a delete can be skipped). */
  mayHaveState(id: string): boolean;
}
