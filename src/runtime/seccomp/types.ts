// The runtime-spec `linux.seccomp` object as config.json carries it. Kept here (rather than
// imported from the OCI module) so the compiler stands alone; the shapes are the spec's.

export type SeccompAction =
  | 'SCMP_ACT_KILL' | 'SCMP_ACT_KILL_PROCESS' | 'SCMP_ACT_KILL_THREAD' | 'SCMP_ACT_TRAP'
  | 'SCMP_ACT_ERRNO' | 'SCMP_ACT_TRACE' | 'SCMP_ACT_ALLOW' | 'SCMP_ACT_LOG' | 'SCMP_ACT_NOTIFY';

export type SeccompOperator =
  | 'SCMP_CMP_NE' | 'SCMP_CMP_LT' | 'SCMP_CMP_LE' | 'SCMP_CMP_EQ' | 'SCMP_CMP_GE' | 'SCMP_CMP_GT'
  | 'SCMP_CMP_MASKED_EQ';

/** A 64-bit syscall argument value. JSON numbers above 2^53 lose precision, so bigint and
 * decimal strings are accepted as well; an unsafe `number` is refused. */
export type SeccompValue = number | bigint | string;

export interface LinuxSeccompArg {
  index: number;
  value: SeccompValue;
  valueTwo?: SeccompValue;
  op: SeccompOperator | string;
}

export interface LinuxSyscall {
  names: string[];
  action: SeccompAction | string;
  errnoRet?: number;
  args?: LinuxSeccompArg[] | null;
}

export interface LinuxSeccomp {
  defaultAction: SeccompAction | string;
  defaultErrnoRet?: number;
  architectures?: string[] | null;
  flags?: string[] | null;
  listenerPath?: string;
  listenerMetadata?: string;
  syscalls?: LinuxSyscall[] | null;
}

/** What the helper's `seccomp` step takes. */
export interface CompiledSeccomp {
  /** SECCOMP_FILTER_FLAG_* bits for seccomp(SECCOMP_SET_MODE_FILTER, flags, …). */
  flags: number;
  /** `struct sock_filter` array, 8 bytes per instruction, little-endian. */
  filter: Buffer;
}
