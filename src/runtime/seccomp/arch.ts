// Architectures: the libseccomp names the runtime spec uses, the kernel's AUDIT_ARCH_* values
// that seccomp_data.arch carries, and each ABI's syscall table.
import { syscalls as X86_64 } from './tables/x86_64.ts';
import { syscalls as I386 } from './tables/i386.ts';
import { syscalls as X32 } from './tables/x32.ts';
import { syscalls as AARCH64 } from './tables/aarch64.ts';
import { syscalls as ARM } from './tables/arm.ts';
import { syscalls as RISCV64 } from './tables/riscv64.ts';
import { syscalls as PPC64 } from './tables/ppc64.ts';
import { syscalls as PPC } from './tables/ppc.ts';
import { syscalls as S390X } from './tables/s390x.ts';
import { syscalls as S390 } from './tables/s390.ts';

// linux/audit.h: EM_* machine number | __AUDIT_ARCH_64BIT | __AUDIT_ARCH_LE.
const AUDIT_64BIT = 0x80000000;
const AUDIT_LE = 0x40000000;
export const AUDIT_ARCH_X86_64 = (62 | AUDIT_64BIT | AUDIT_LE) >>> 0;
export const AUDIT_ARCH_I386 = (3 | AUDIT_LE) >>> 0;
export const AUDIT_ARCH_AARCH64 = (183 | AUDIT_64BIT | AUDIT_LE) >>> 0;
export const AUDIT_ARCH_ARM = (40 | AUDIT_LE) >>> 0;
export const AUDIT_ARCH_RISCV64 = (243 | AUDIT_64BIT | AUDIT_LE) >>> 0;
export const AUDIT_ARCH_PPC64LE = (21 | AUDIT_64BIT | AUDIT_LE) >>> 0;
export const AUDIT_ARCH_PPC64 = (21 | AUDIT_64BIT) >>> 0;
export const AUDIT_ARCH_PPC = 20;
export const AUDIT_ARCH_S390X = (22 | AUDIT_64BIT) >>> 0;
export const AUDIT_ARCH_S390 = 22;

/** x32 shares AUDIT_ARCH_X86_64 and marks its syscall numbers with this bit. */
export const X32_SYSCALL_BIT = 0x40000000;

export type ScmpArch =
  | 'SCMP_ARCH_X86_64' | 'SCMP_ARCH_X86' | 'SCMP_ARCH_X32' | 'SCMP_ARCH_AARCH64' | 'SCMP_ARCH_ARM'
  | 'SCMP_ARCH_RISCV64' | 'SCMP_ARCH_PPC64LE' | 'SCMP_ARCH_PPC64' | 'SCMP_ARCH_PPC'
  | 'SCMP_ARCH_S390X' | 'SCMP_ARCH_S390';

export interface ArchInfo {
  name: ScmpArch;
  audit: number;
  /** Width of syscall arguments: on 32-bit ABIs the high word of seccomp_data.args[i] is 0. */
  bits: 32 | 64;
  littleEndian: boolean;
  /** The name → number table (built on first call). */
  syscalls: () => Readonly<Record<string, number>>;
}

export const ARCHES: Readonly<Record<ScmpArch, ArchInfo>> = {
  SCMP_ARCH_X86_64: { name: 'SCMP_ARCH_X86_64', audit: AUDIT_ARCH_X86_64, bits: 64, littleEndian: true, syscalls: X86_64 },
  SCMP_ARCH_X86: { name: 'SCMP_ARCH_X86', audit: AUDIT_ARCH_I386, bits: 32, littleEndian: true, syscalls: I386 },
  SCMP_ARCH_X32: { name: 'SCMP_ARCH_X32', audit: AUDIT_ARCH_X86_64, bits: 64, littleEndian: true, syscalls: X32 },
  SCMP_ARCH_AARCH64: { name: 'SCMP_ARCH_AARCH64', audit: AUDIT_ARCH_AARCH64, bits: 64, littleEndian: true, syscalls: AARCH64 },
  SCMP_ARCH_ARM: { name: 'SCMP_ARCH_ARM', audit: AUDIT_ARCH_ARM, bits: 32, littleEndian: true, syscalls: ARM },
  SCMP_ARCH_RISCV64: { name: 'SCMP_ARCH_RISCV64', audit: AUDIT_ARCH_RISCV64, bits: 64, littleEndian: true, syscalls: RISCV64 },
  SCMP_ARCH_PPC64LE: { name: 'SCMP_ARCH_PPC64LE', audit: AUDIT_ARCH_PPC64LE, bits: 64, littleEndian: true, syscalls: PPC64 },
  SCMP_ARCH_PPC64: { name: 'SCMP_ARCH_PPC64', audit: AUDIT_ARCH_PPC64, bits: 64, littleEndian: false, syscalls: PPC64 },
  SCMP_ARCH_PPC: { name: 'SCMP_ARCH_PPC', audit: AUDIT_ARCH_PPC, bits: 32, littleEndian: false, syscalls: PPC },
  SCMP_ARCH_S390X: { name: 'SCMP_ARCH_S390X', audit: AUDIT_ARCH_S390X, bits: 64, littleEndian: false, syscalls: S390X },
  SCMP_ARCH_S390: { name: 'SCMP_ARCH_S390', audit: AUDIT_ARCH_S390, bits: 32, littleEndian: false, syscalls: S390 },
};

/** Names the runtime spec allows that we have no table for: listed in a profile they are
 * skipped (such binaries cannot run on the hosts we support anyway); any other name is an error. */
export const KNOWN_UNSUPPORTED_ARCHES = new Set([
  'SCMP_ARCH_MIPS', 'SCMP_ARCH_MIPS64', 'SCMP_ARCH_MIPS64N32', 'SCMP_ARCH_MIPSEL',
  'SCMP_ARCH_MIPSEL64', 'SCMP_ARCH_MIPSEL64N32', 'SCMP_ARCH_PARISC', 'SCMP_ARCH_PARISC64',
  'SCMP_ARCH_LOONGARCH64', 'SCMP_ARCH_M68K', 'SCMP_ARCH_SH', 'SCMP_ARCH_SHEB',
]);

// Kernel machine names (uname -m), Node's process.arch names and the SCMP names all lead here.
const ALIASES: Record<string, ScmpArch> = {
  x86_64: 'SCMP_ARCH_X86_64', amd64: 'SCMP_ARCH_X86_64', x64: 'SCMP_ARCH_X86_64',
  i386: 'SCMP_ARCH_X86', i686: 'SCMP_ARCH_X86', x86: 'SCMP_ARCH_X86', ia32: 'SCMP_ARCH_X86',
  x32: 'SCMP_ARCH_X32',
  aarch64: 'SCMP_ARCH_AARCH64', arm64: 'SCMP_ARCH_AARCH64',
  arm: 'SCMP_ARCH_ARM', armv7l: 'SCMP_ARCH_ARM', armhf: 'SCMP_ARCH_ARM',
  riscv64: 'SCMP_ARCH_RISCV64',
  ppc64le: 'SCMP_ARCH_PPC64LE', ppc64el: 'SCMP_ARCH_PPC64LE', ppc64: 'SCMP_ARCH_PPC64', ppc: 'SCMP_ARCH_PPC',
  s390x: 'SCMP_ARCH_S390X', s390: 'SCMP_ARCH_S390',
};

/** SCMP_ARCH_* for an architecture named any usual way, or undefined. */
export function archByName(name: string): ArchInfo | undefined {
  const scmp = (name in ARCHES ? name : ALIASES[name]) as ScmpArch | undefined;
  return scmp ? ARCHES[scmp] : undefined;
}

/** The architecture this Node process runs on (Node calls ppc64le "ppc64"). */
export function hostArch(): ScmpArch {
  if (process.arch === 'ppc64') return new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 'SCMP_ARCH_PPC64LE' : 'SCMP_ARCH_PPC64';
  const a = archByName(process.arch);
  if (!a) throw new Error(`seccomp: no syscall table for host architecture ${process.arch}`);
  return a.name;
}

/** Syscall number of `name` on `arch`, or undefined when that ABI has no such syscall. */
export function syscallNumber(arch: ScmpArch, name: string): number | undefined {
  const t = ARCHES[arch].syscalls();
  return Object.hasOwn(t, name) ? t[name] : undefined;
}
