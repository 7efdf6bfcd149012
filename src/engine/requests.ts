// The requests the engine's services take, as plain typed objects: the CLI's flags, the Docker
// API's JSON and the CRI's messages all map onto these (and never onto the services' internals).
import type { PublishRequest } from '../network/index.ts';
import type { PullPolicy } from './images.ts';
import type { ContainerRecord, MountSpec, RestartPolicy } from './types.ts';

export interface CreateRequest {
  image: string;
  name?: string;
  pull?: PullPolicy;
  platform?: string;
  cmd?: string[];
  /** undefined: the image's; [] (from --entrypoint ""): none. */
  entrypoint?: string[];
  env?: string[];
  workingDir?: string;
  user?: string;
  hostname?: string;
  domainname?: string;
  tty?: boolean;
  openStdin?: boolean;
  labels?: Record<string, string>;
  mounts?: MountSpec[];
  publish?: PublishRequest[];
  networkMode?: string;
  networkAliases?: string[];
  extraHosts?: string[];
  dns?: string[];
  dnsSearch?: string[];
  dnsOptions?: string[];
  memory?: number;
  memorySwap?: number;
  cpus?: number;
  pidsLimit?: number;
  shmSize?: number;
  readOnly?: boolean;
  capAdd?: string[];
  capDrop?: string[];
  privileged?: boolean;
  /** 'default' | 'unconfined' | a profile file path. */
  seccomp?: string;
  noNewPrivileges?: boolean;
  restart?: RestartPolicy;
  init?: boolean;
  stopSignal?: string;
  stopTimeout?: number;
  runtime?: string;
  autoRemove?: boolean;
  /** The writable layer is never synced to disk (overlayfs `volatile`, as for autoRemove): for
   * containers whose files do not outlive them (the CRI's: kubelet never starts an exited one
   * again). Its removal then writes nothing back first; after a host crash it cannot be mounted
   * again. */
  volatileRootfs?: boolean;
  logSizeMax?: number;
  consoleSize?: { height: number; width: number };
  /** A pod (id or name) whose namespaces the container joins (network mode 'pod'). */
  pod?: string;
  /** The PID namespace in a pod: the pod's shared one (default when the pod shares one), the host's, or its own. */
  pidMode?: 'pod' | 'host' | 'private';
  /** Where conmon writes the log (CRI format) instead of <dir>/ctr.log (kubelet's path). */
  logPath?: string;
  annotations?: Record<string, string>;
  devices?: { hostPath: string; containerPath: string; permissions: string }[];
  /** Replace docker's masked and read-only paths (the CRI's security context). */
  maskedPaths?: string[];
  readonlyPaths?: string[];
  supplementalGroups?: number[];
}

export interface CreateOptions {
  /** Runs once the record and its directory exist, before the rootfs is mounted: `run` starts
   * the container's monitor there (containers.prelaunch). */
  onReady?: (rec: ContainerRecord) => Promise<void>;
  /** A start follows at once (the CRI's CreateContainer): the container's runtime create is done
   * ahead, in the background, so that the start is only the runtime's start; undone after
   * expireMs without one, and by a stop, a removal, its pod's stop or the engine's settle
   * (containers/precreate.ts). */
  precreate?: { expireMs: number };
}

/** What `update` may change; absent fields stay. memorySwap -1: unlimited; pidsLimit <= 0: none. */
export interface ResourceUpdate {
  memory?: number;
  memorySwap?: number;
  cpus?: number;
  pidsLimit?: number;
  restart?: RestartPolicy;
}

export interface StartHooks {
  /** Runs once the runtime created the container (the attach socket exists), before its process runs. */
  beforeStart?: (rec: ContainerRecord) => Promise<void>;
  /** The caller cleans up after the exit (finishForeground); conmon's exit command only if it dies. */
  handoff?: { fifo: string; pid: number };
  /** A long-lived caller (berthd): an AutoRemove container is removed by this process once it
   * exits (the engine's handoff, finished in the background), not by a process conmon's exit
   * command starts then, which stands by should this process go away. */
  removeHere?: boolean;
}

export interface StopOptions {
  /** Seconds before SIGKILL (default: the container's stop timeout). */
  timeout?: number;
  /** Default: the container's stop signal. */
  signal?: string;
  /** Answer once the process has exited; the clean-up (the runtime's delete, the network's
   * release, the monitor's end) goes on in the background under the container's lock, taken
   * before the answer, so that a later start, rm or stop waits for it. Only where the engine
   * outlives the call (berthd), and for a container with a PID namespace of its own (its init's
   * exit ends every process of it; others' are ended by the runtime's delete, in the call);
   * elsewhere the stop cleans up in the call as ever. A promise: the clean-up starts once it
   * settles (a pod's stop lets its netns go first). */
  cleanUpAfter?: boolean | Promise<unknown>;
}

export interface StopResult {
  container: ContainerRecord;
  /** False when it was not running: nothing to stop (docker's 304). A restart its policy was
   * about to make is cancelled all the same. */
  stopped: boolean;
  /** With cleanUpAfter: settles once the clean-up is done (or failed: logged). */
  cleanedUp?: Promise<void>;
}

export interface RemoveOptions { force?: boolean; volumes?: boolean }

/** docker's wait conditions. */
export type WaitCondition = 'not-running' | 'next-exit' | 'removed';

export interface WaitResult { exitCode: number; removed: boolean }

/** docker's filters: `--filter k=v` (repeatable) or the API's JSON map, as key → values. */
export type Filters = Record<string, string[]>;

export interface ListOptions { all?: boolean; filters?: Filters; /** the n last created (implies all). */ last?: number }
