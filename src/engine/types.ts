// The engine's data: what a user asked for (ContainerConfig, fixed at create time) and what
// happened since (ContainerState, updated by start/stop/cleanup). Both are stored as JSON.
import type { PortMapping, PublishRequest } from '../network/index.ts';
import type { Seccomp } from '../oci/index.ts';

export type MountKind = 'bind' | 'volume' | 'tmpfs';

export interface MountSpec {
  type: MountKind;
  /** Host path (bind) or volume name (volume; empty for an anonymous volume); unused for tmpfs. */
  source: string;
  target: string;
  readOnly: boolean;
  /** Extra mount options (tmpfs size=, mode=; bind propagation). */
  options: string[];
  /** Created for this container (anonymous volume): removed with `rm -v`. */
  anonymous?: boolean;
}

export interface RestartPolicy { name: 'no' | 'always' | 'on-failure' | 'unless-stopped'; maximumRetryCount: number }

export interface ContainerConfig {
  /** What the user typed (e.g. busybox) and what it resolved to. */
  image: string;
  imageName: string;
  imageId: string;
  /** The image's top layer chainID: the parent of the container's snapshot. */
  chainId: string;
  entrypoint: string[];
  cmd: string[];
  env: string[];
  workingDir: string;
  user: string;
  hostname: string;
  domainname: string;
  tty: boolean;
  openStdin: boolean;
  labels: Record<string, string>;
  mounts: MountSpec[];
  publish: PublishRequest[];
  /** The image's exposed ports ("80/tcp"), for the expose filter (absent in older records). */
  exposedPorts?: string[];
  /** none | host | bridge | a user network name. */
  networkMode: string;
  networkAliases: string[];
  /** Further networks joined with `network connect` (user networks, after networkMode). */
  extraNetworks?: string[];
  extraHosts: string[];
  dns: string[];
  dnsSearch: string[];
  dnsOptions: string[];
  memory?: number;
  memorySwap?: number;
  cpus?: number;
  pidsLimit?: number;
  shmSize: number;
  readOnly: boolean;
  capAdd: string[];
  capDrop: string[];
  privileged: boolean;
  /** 'default' (docker's profile), 'unconfined', or a profile document read at create time. */
  seccomp: 'default' | 'unconfined' | { profile: Seccomp; path: string };
  noNewPrivileges: boolean;
  restart: RestartPolicy;
  init: boolean;
  stopSignal: string;
  stopTimeout: number;
  /** Runtime binary (absolute path). */
  runtime: string;
  autoRemove: boolean;
  /** The writable layer is never synced to disk (overlayfs `volatile`, as for autoRemove): for
   * containers whose files do not outlive them (the CRI's: kubelet never starts an exited one
   * again). Its removal then writes nothing back first; after a host crash it cannot be mounted
   * again. */
  volatileRootfs?: boolean;
  /** conmon --log-size-max (bytes; 0 = unlimited): the log is rotated past it. */
  logSizeMax: number;
  /** Terminal size at create time (for -t). */
  consoleSize?: { height: number; width: number };
  /** The pod the container belongs to (networkMode 'pod': it joins the pod's namespaces). */
  pod?: { podId: string; podName: string };
  /** Where conmon writes the log (CRI format), when not <dir>/ctr.log (kubelet's log path). */
  logPath?: string;
  /** Free-form annotations (the CRI's), kept apart from labels. */
  annotations?: Record<string, string>;
  /** Containers of a pod sharing the pod's PID namespace (or the host's). */
  pidMode?: 'pod' | 'host' | 'private';
  /** Device nodes from the host (path on the host, in the container, cgroup permissions). */
  devices?: { hostPath: string; containerPath: string; permissions: string }[];
  /** Extra masked and read-only paths (the CRI's security context); replace docker's when set. */
  maskedPaths?: string[];
  readonlyPaths?: string[];
  /** Numeric user and groups (the CRI's run_as_user/group, supplemental groups). */
  supplementalGroups?: number[];
}

export type ContainerStatus = 'created' | 'running' | 'restarting' | 'exited' | 'removing';

export interface NetworkEndpoint { ip: string; mac: string; gateway: string; aliases: string[] }

export interface ContainerState {
  status: ContainerStatus;
  pid: number;
  conmonPid: number;
  exitCode: number;
  oomKilled: boolean;
  startedAt: string;
  finishedAt: string;
  error: string;
  restartCount: number;
  /** Set by stop/kill from the user so that a restart policy does not bring it back. */
  stoppedByUser: boolean;
  /** A running container frozen by `pause` (its cgroup's freezer); status stays 'running'. */
  paused?: boolean;
  /** Set while a network namespace exists for the container. */
  netnsPath: string;
  networks: Record<string, NetworkEndpoint>;
  ports: PortMapping[];
}

export interface ContainerRecord {
  id: string;
  name: string;
  created: string;
  config: ContainerConfig;
  state: ContainerState;
}

/** A read-only view of a JSON-shaped value, all the way down. */
export type DeepReadonly<T> =
  T extends (infer U)[] ? readonly DeepReadonly<U>[]
  : T extends object ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
  : T;

/** A record from a listing: its config is shared between listings and frozen (EngineStore's
 * cache), so the type forbids what would throw at run time. get()/resolve() give mutable ones. */
export type ListedContainer = Omit<ContainerRecord, 'config'> & { readonly config: DeepReadonly<ContainerConfig> };

export function initialState(): ContainerState {
  return {
    status: 'created', pid: 0, conmonPid: 0, exitCode: 0, oomKilled: false, startedAt: '', finishedAt: '',
    error: '', restartCount: 0, stoppedByUser: false, netnsPath: '', networks: {}, ports: [],
  };
}
