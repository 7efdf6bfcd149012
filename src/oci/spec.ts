// Types for the OCI runtime specification v1.2 (config.json and the container state), Linux
// subset. Field names and nesting follow the spec exactly, so a parsed config.json can be used
// as-is once validate.ts has checked it.
//
// 64-bit quantities (rlimits, memory limits, CPU quotas...) can exceed Number.MAX_SAFE_INTEGER;
// parseSpec turns such integers into bigint rather than silently rounding them, hence `U64`.
// Where such a value has to travel as JSON again (state.json's resources, `update`'s flags) it is
// carried as its exact decimal digits; every reader (cgroups, seccomp) accepts that form too.

/** An integer that may not fit a double: bigint when above 2^53 (or decimal digits once
 * re-serialised), number otherwise. */
export type U64 = number | bigint | string;
export type I64 = number | bigint | string;

export interface Spec {
  ociVersion: string;
  process?: Process;
  root?: Root;
  hostname?: string;
  domainname?: string;
  mounts?: Mount[];
  hooks?: Hooks;
  annotations?: Record<string, string>;
  linux?: Linux;
}

export interface Root { path: string; readonly?: boolean }

export interface Mount {
  destination: string;
  type?: string;
  source?: string;
  options?: string[];
  uidMappings?: IdMapping[];
  gidMappings?: IdMapping[];
}

export interface Process {
  terminal?: boolean;
  consoleSize?: { height: number; width: number };
  user: User;
  args: string[];
  commandLine?: string;
  env?: string[];
  cwd: string;
  capabilities?: Capabilities;
  rlimits?: Rlimit[];
  noNewPrivileges?: boolean;
  apparmorProfile?: string;
  oomScoreAdj?: number;
  selinuxLabel?: string;
  ioPriority?: IoPriority;
  scheduler?: Scheduler;
  execCPUAffinity?: { initial?: string; final?: string };
}

export interface User {
  uid: number;
  gid: number;
  umask?: number;
  additionalGids?: number[];
  username?: string;
}

export interface Capabilities {
  bounding?: string[];
  effective?: string[];
  inheritable?: string[];
  permitted?: string[];
  ambient?: string[];
}

export interface Rlimit { type: string; soft: U64; hard: U64 }

export type IoPriorityClass = 'IOPRIO_CLASS_RT' | 'IOPRIO_CLASS_BE' | 'IOPRIO_CLASS_IDLE';
export interface IoPriority { class: IoPriorityClass; priority: number }

export type SchedPolicy =
  | 'SCHED_OTHER' | 'SCHED_FIFO' | 'SCHED_RR' | 'SCHED_BATCH' | 'SCHED_ISO' | 'SCHED_IDLE' | 'SCHED_DEADLINE';
export interface Scheduler {
  policy: SchedPolicy;
  nice?: number;
  priority?: number;
  flags?: string[];
  runtime?: U64;
  deadline?: U64;
  period?: U64;
}

export interface Hook { path: string; args?: string[]; env?: string[]; timeout?: number }

export interface Hooks {
  /** Deprecated by the spec, still honoured (runs with createRuntime). */
  prestart?: Hook[];
  createRuntime?: Hook[];
  createContainer?: Hook[];
  startContainer?: Hook[];
  poststart?: Hook[];
  poststop?: Hook[];
}

export type NamespaceType = 'pid' | 'network' | 'mount' | 'ipc' | 'uts' | 'user' | 'cgroup' | 'time';
export interface Namespace { type: NamespaceType; path?: string }

export interface IdMapping { containerID: number; hostID: number; size: number }

export type DeviceType = 'c' | 'b' | 'u' | 'p';
export interface Device {
  type: DeviceType;
  path: string;
  major?: I64;
  minor?: I64;
  fileMode?: number;
  uid?: number;
  gid?: number;
}

export interface DeviceCgroupRule {
  allow: boolean;
  type?: 'a' | 'c' | 'b';
  major?: I64;
  minor?: I64;
  access?: string;
}

export interface MemoryResources {
  limit?: I64;
  reservation?: I64;
  swap?: I64;
  kernel?: I64;
  kernelTCP?: I64;
  swappiness?: U64;
  disableOOMKiller?: boolean;
  useHierarchy?: boolean;
  checkBeforeUpdate?: boolean;
}

export interface CpuResources {
  shares?: U64;
  quota?: I64;
  burst?: U64;
  period?: U64;
  realtimeRuntime?: I64;
  realtimePeriod?: U64;
  cpus?: string;
  mems?: string;
  idle?: I64;
}

export interface WeightDevice { major: I64; minor: I64; weight?: number; leafWeight?: number }
export interface ThrottleDevice { major: I64; minor: I64; rate: U64 }

export interface BlockIoResources {
  weight?: number;
  leafWeight?: number;
  weightDevice?: WeightDevice[];
  throttleReadBpsDevice?: ThrottleDevice[];
  throttleWriteBpsDevice?: ThrottleDevice[];
  throttleReadIOPSDevice?: ThrottleDevice[];
  throttleWriteIOPSDevice?: ThrottleDevice[];
}

export interface HugepageLimit { pageSize: string; limit: U64 }

export interface NetworkResources { classID?: number; priorities?: { name: string; priority: number }[] }

export interface RdmaLimit { hcaHandles?: number; hcaObjects?: number }

export interface Resources {
  devices?: DeviceCgroupRule[];
  memory?: MemoryResources;
  cpu?: CpuResources;
  pids?: { limit: I64 };
  blockIO?: BlockIoResources;
  hugepageLimits?: HugepageLimit[];
  network?: NetworkResources;
  rdma?: Record<string, RdmaLimit>;
  unified?: Record<string, string>;
}

export type SeccompAction =
  | 'SCMP_ACT_KILL' | 'SCMP_ACT_KILL_PROCESS' | 'SCMP_ACT_KILL_THREAD' | 'SCMP_ACT_TRAP'
  | 'SCMP_ACT_ERRNO' | 'SCMP_ACT_TRACE' | 'SCMP_ACT_ALLOW' | 'SCMP_ACT_LOG' | 'SCMP_ACT_NOTIFY';

export type SeccompOperator =
  | 'SCMP_CMP_NE' | 'SCMP_CMP_LT' | 'SCMP_CMP_LE' | 'SCMP_CMP_EQ' | 'SCMP_CMP_GE' | 'SCMP_CMP_GT'
  | 'SCMP_CMP_MASKED_EQ';

export interface SeccompArg { index: number; value: U64; valueTwo?: U64; op: SeccompOperator }

export interface SeccompSyscall {
  names: string[];
  action: SeccompAction;
  errnoRet?: number;
  args?: SeccompArg[];
}

export interface Seccomp {
  defaultAction: SeccompAction;
  defaultErrnoRet?: number;
  architectures?: string[];
  flags?: string[];
  listenerPath?: string;
  listenerMetadata?: string;
  syscalls?: SeccompSyscall[];
}

export type Propagation = 'private' | 'rprivate' | 'shared' | 'rshared' | 'slave' | 'rslave' | 'unbindable' | 'runbindable';

export interface IntelRdt {
  closID?: string;
  l3CacheSchema?: string;
  memBwSchema?: string;
  enableCMT?: boolean;
  enableMBM?: boolean;
}

export interface Personality { domain: 'LINUX' | 'LINUX32'; flags?: string[] }

export interface TimeOffset { secs?: I64; nanosecs?: number }

export interface Linux {
  namespaces?: Namespace[];
  uidMappings?: IdMapping[];
  gidMappings?: IdMapping[];
  timeOffsets?: { monotonic?: TimeOffset; boottime?: TimeOffset };
  devices?: Device[];
  cgroupsPath?: string;
  resources?: Resources;
  rootfsPropagation?: Propagation;
  seccomp?: Seccomp;
  sysctl?: Record<string, string>;
  maskedPaths?: string[];
  readonlyPaths?: string[];
  mountLabel?: string;
  intelRdt?: IntelRdt;
  personality?: Personality;
}

export type Status = 'creating' | 'created' | 'running' | 'stopped';

/** The state document (`berth-runtime state`, and the stdin of every hook). */
export interface State {
  ociVersion: string;
  id: string;
  status: Status;
  pid?: number;
  bundle: string;
  annotations?: Record<string, string>;
}

/** The spec version this implementation writes and reports. */
export const OCI_VERSION = '1.2.0';
