// Seccomp for berth: runtime-spec profiles compiled to classic BPF in TypeScript (no libseccomp).
//
//   compileSeccomp(profile, { nativeArch })        → { flags, filter }   (pure)
//   compileSeccompCached(profile, opts, cacheDir)   → same, via <cacheDir>/<sha256>.bpf
//   dockerDefaultProfile({ arch?, caps, kernel? })  → the docker default profile for a container
//   runFilter / disassemble / checkFilter           → for tests and debugging
//
// Semantics, where the spec leaves room (see plan.ts and emit.ts for the reasons):
// - the native architecture is always in the filter; an arch outside it gets KILL_THREAD
//   (libseccomp's default bad-arch action); x32 numbers under AUDIT_ARCH_X86_64 count as a
//   foreign arch unless SCMP_ARCH_X32 is listed;
// - names unknown on an ABI are skipped; rules whose action equals the default are dropped;
// - per syscall: conditional rules in profile order, first match wins, else the first
//   unconditional rule, else the default; args of one rule are ANDed;
// - 64-bit comparisons use both words; on 32-bit ABIs only the low word (values truncated);
// - ENOSYS above the highest syscall the profile names (and for an unnamed clone3) when the
//   default is ERRNO/KILL/TRAP;
// - SCMP_ACT_NOTIFY and listenerPath are refused (SeccompUnsupportedError).
export type { CompiledSeccomp } from './types.ts';
export { compileSeccomp, COMPILER_VERSION, type CompileOptions } from './compile.ts';
export { compileSeccompCached, cacheKey, canonicalJson } from './cache.ts';
export { disassemble } from './disasm.ts';
export { runFilter, seccompData, BpfRuntimeError, type SeccompData } from './interp.ts';
export { checkFilter } from './check.ts';
export { actionName } from './actions.ts';
export { SeccompProfileError, SeccompUnsupportedError, SeccompProgramError } from './errors.ts';
export {
  ARCHES, archByName, hostArch, syscallNumber, X32_SYSCALL_BIT, type ArchInfo, type ScmpArch,
  AUDIT_ARCH_X86_64, AUDIT_ARCH_I386, AUDIT_ARCH_AARCH64, AUDIT_ARCH_ARM, AUDIT_ARCH_RISCV64,
  AUDIT_ARCH_PPC64LE, AUDIT_ARCH_PPC64, AUDIT_ARCH_PPC, AUDIT_ARCH_S390X, AUDIT_ARCH_S390,
} from './arch.ts';
export {
  SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO, SECCOMP_RET_KILL_PROCESS, SECCOMP_RET_KILL_THREAD, SECCOMP_RET_LOG,
  SECCOMP_RET_TRACE, SECCOMP_RET_TRAP, SECCOMP_FILTER_FLAG_TSYNC, SECCOMP_FILTER_FLAG_LOG, SECCOMP_FILTER_FLAG_SPEC_ALLOW,
} from './bpf.ts';
export { dockerDefaultProfile, DOCKER_DEFAULT_RULES, type DefaultRule, type DefaultProfileOptions } from './default-profile.ts';
