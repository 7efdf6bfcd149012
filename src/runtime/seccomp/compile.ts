// compileSeccomp: runtime-spec profile → what the helper's `seccomp` step loads.
import { encode } from './bpf.ts';
import { emitProgram } from './emit.ts';
import { planSeccomp } from './plan.ts';
import type { CompiledSeccomp } from './types.ts';
import type { Seccomp } from '../../oci/spec.ts';

/** Bumped whenever the same profile would compile to different bytes (it keys the cache). */
export const COMPILER_VERSION = '1';

export interface CompileOptions {
  /** The architecture the container runs on: SCMP_ARCH_*, a uname -m name, or Node's
   * process.arch. It is always in the filter, whatever `architectures` lists. */
  nativeArch: string;
}

export function compileSeccomp(profile: Seccomp, opts: CompileOptions): CompiledSeccomp {
  const plan = planSeccomp(profile, opts.nativeArch);
  return { flags: plan.flags, filter: encode(emitProgram(plan)) };
}
