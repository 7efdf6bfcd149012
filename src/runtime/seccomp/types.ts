// What the seccomp compiler produces. The profile it reads is the runtime-spec `linux.seccomp`
// object, typed once in src/oci/spec.ts (Seccomp, SeccompSyscall, SeccompArg).

/** What the helper's `seccomp` step takes. */
export interface CompiledSeccomp {
  /** SECCOMP_FILTER_FLAG_* bits for seccomp(SECCOMP_SET_MODE_FILTER, flags, …). */
  flags: number;
  /** `struct sock_filter` array, 8 bytes per instruction, little-endian. */
  filter: Buffer;
}
