// Seccomp for berth: runtime-spec profiles compiled to classic BPF in TypeScript (no libseccomp).
export type { LinuxSeccomp, LinuxSyscall, LinuxSeccompArg, SeccompAction, SeccompOperator, SeccompValue, CompiledSeccomp } from './types.ts';
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
