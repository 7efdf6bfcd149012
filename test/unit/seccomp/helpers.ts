// Shared by the seccomp unit tests: compile a profile and ask the interpreter for verdicts.
import { compileSeccomp, runFilter, checkFilter, syscallNumber, type ScmpArch } from '../../../src/runtime/seccomp/index.ts';
import type { Seccomp } from '../../../src/oci/spec.ts';
import assert from 'node:assert/strict';

export const ALLOW = 0x7fff0000;
export const KILL_THREAD = 0;
export const KILL_PROCESS = 0x80000000;
export const errno = (e: number): number => (0x00050000 | e) >>> 0;

export function compile(profile: Seccomp, nativeArch = 'SCMP_ARCH_X86_64'): Buffer {
  const { filter } = compileSeccomp(profile, { nativeArch });
  assert.deepEqual(checkFilter(filter), [], 'the filter is structurally valid');
  return filter;
}

export function verdict(filter: Buffer, arch: ScmpArch, name: string | number, args: bigint[] = []): number {
  const nr = typeof name === 'number' ? name : syscallNumber(arch, name);
  if (nr === undefined) throw new Error(`${name} is not a syscall on ${arch}`);
  return runFilter(filter, { nr, arch, args });
}
