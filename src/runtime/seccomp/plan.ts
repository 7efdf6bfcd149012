// From a profile to a per-architecture plan: which syscall numbers get which rules. Pure; all
// validation of the profile happens here, so emit.ts can trust its input.
import { ARCHES, KNOWN_UNSUPPORTED_ARCHES, archByName, syscallNumber, type ArchInfo, type ScmpArch } from './arch.ts';
import { actionValue, flagBits, ENOSYS_VALUE } from './actions.ts';
import { SECCOMP_RET_ACTION_FULL, SECCOMP_RET_ERRNO, SECCOMP_RET_KILL_PROCESS, SECCOMP_RET_KILL_THREAD, SECCOMP_RET_TRAP, SECCOMP_RET_KILL_THREAD as BAD_ARCH } from './bpf.ts';
import { SeccompProfileError, SeccompUnsupportedError } from './errors.ts';
import type { Seccomp, U64 } from '../../oci/spec.ts';

export type CmpOp = 'NE' | 'LT' | 'LE' | 'EQ' | 'GE' | 'GT' | 'MASKED_EQ';

export interface Cond { index: number; op: CmpOp; value: bigint; valueTwo: bigint }

/** A rule with argument conditions (all must hold). */
export interface CondRule { action: number; conds: Cond[] }

export interface SyscallPlan {
  nr: number;
  /** Tried in profile order; the first whose conditions all hold decides. */
  rules: CondRule[];
  /** When no conditional rule matched: the first unconditional rule's action, else the default. */
  otherwise: number;
}

export interface ArchPlan {
  arch: ArchInfo;
  syscalls: Map<number, SyscallPlan>;
  /** The highest syscall number the profile names on this ABI (-1: none). */
  highest: number;
  /** Numbers above `highest` return ENOSYS (see enosysFallback). */
  enosysAbove: boolean;
}

export interface SeccompPlan {
  flags: number;
  defaultAction: number;
  badArchAction: number;
  /** Native first, then the profile's other architectures. */
  arches: ArchPlan[];
}

/** libseccomp's default for a thread whose seccomp_data.arch is not in the filter
 * (SCMP_FLTATR_ACT_BADARCH = SCMP_ACT_KILL, i.e. KILL_THREAD); runc keeps that default. */
export const BAD_ARCH_ACTION = BAD_ARCH;

const OPS: Record<string, CmpOp> = {
  SCMP_CMP_NE: 'NE', SCMP_CMP_LT: 'LT', SCMP_CMP_LE: 'LE', SCMP_CMP_EQ: 'EQ',
  SCMP_CMP_GE: 'GE', SCMP_CMP_GT: 'GT', SCMP_CMP_MASKED_EQ: 'MASKED_EQ',
};

const U64_MAX = (1n << 64n) - 1n;

function u64(v: U64 | undefined, field: string): bigint {
  if (v === undefined || v === null) return 0n;
  let b: bigint;
  if (typeof v === 'bigint') b = v;
  else if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new SeccompProfileError(field, `${v} is not an integer`);
    if (!Number.isSafeInteger(v)) throw new SeccompProfileError(field, `${v} is beyond 2^53 and has lost precision; pass it as a bigint or a decimal string`);
    b = BigInt(v);
  } else if (typeof v === 'string' && /^(0x[0-9a-fA-F]+|\d+)$/.test(v)) b = BigInt(v);
  else throw new SeccompProfileError(field, `${JSON.stringify(v)} is not a 64-bit unsigned integer`);
  if (b < 0n || b > U64_MAX) throw new SeccompProfileError(field, `${v} is outside 0…2^64-1`);
  return b;
}

/** The ENOSYS fallback. A profile names the syscalls its author knew of; syscalls the kernel
 * gained later would get the default action, and when that is an error or a kill, a libc that
 * probes a new syscall first (clone3, openat2, faccessat2, …) takes EPERM as a real failure
 * instead of falling back to the old call. So, as runc does, numbers above the highest one the
 * profile names on an ABI return ENOSYS ("this kernel lacks it"). clone3 gets the same
 * treatment when the profile does not name it at all: glibc ≥ 2.34 uses it for every
 * fork/pthread_create. With ALLOW, LOG or TRACE defaults (or ERRNO(ENOSYS) itself) there is
 * nothing to fix. */
function wantsEnosysFallback(defaultAction: number): boolean {
  if (defaultAction === ENOSYS_VALUE) return false;
  const act = (defaultAction & SECCOMP_RET_ACTION_FULL) >>> 0;
  return act === SECCOMP_RET_ERRNO || act === SECCOMP_RET_KILL_PROCESS || act === SECCOMP_RET_KILL_THREAD || act === SECCOMP_RET_TRAP;
}

export function planSeccomp(profile: Seccomp, nativeArch: string): SeccompPlan {
  if (!profile || typeof profile !== 'object') throw new SeccompProfileError('linux.seccomp', 'not an object');
  if (profile.listenerPath) {
    throw new SeccompUnsupportedError('listenerPath', 'seccomp user notification (listenerPath) is not supported by berth');
  }
  if (typeof profile.defaultAction !== 'string') throw new SeccompProfileError('defaultAction', 'missing');
  const defaultAction = actionValue(profile.defaultAction, profile.defaultErrnoRet, 'defaultAction');
  const flags = flagBits(profile.flags);

  const native = archByName(nativeArch);
  if (!native) throw new SeccompUnsupportedError('nativeArch', `no syscall table for ${nativeArch}`);
  const archNames: ScmpArch[] = [native.name];
  (profile.architectures ?? []).forEach((a, i) => {
    if (typeof a !== 'string') throw new SeccompProfileError(`architectures[${i}]`, 'not a string');
    if (a in ARCHES) { if (!archNames.includes(a as ScmpArch)) archNames.push(a as ScmpArch); }
    else if (!KNOWN_UNSUPPORTED_ARCHES.has(a)) throw new SeccompProfileError(`architectures[${i}]`, `unknown architecture ${a}`);
  });

  // Validate every rule once, independent of the architecture.
  const rules = (profile.syscalls ?? []).map((s, i) => {
    const field = `syscalls[${i}]`;
    if (!s || !Array.isArray(s.names) || s.names.some((n) => typeof n !== 'string')) {
      throw new SeccompProfileError(`${field}.names`, 'must be an array of syscall names');
    }
    const action = actionValue(s.action, s.errnoRet, `${field}.action`);
    const conds = (s.args ?? []).map((a, j): Cond => {
      const f = `${field}.args[${j}]`;
      if (!Number.isInteger(a.index) || a.index < 0 || a.index > 5) throw new SeccompProfileError(`${f}.index`, `${a.index} is not an argument index (0…5)`);
      const op = OPS[a.op];
      if (!op) throw new SeccompProfileError(`${f}.op`, `unknown operator ${JSON.stringify(a.op)}`);
      return { index: a.index, op, value: u64(a.value, `${f}.value`), valueTwo: u64(a.valueTwo, `${f}.valueTwo`) };
    });
    return { names: s.names, action, conds };
  });

  const fallback = wantsEnosysFallback(defaultAction);
  const arches = archNames.map((name): ArchPlan => {
    const arch = ARCHES[name];
    const syscalls = new Map<number, SyscallPlan>();
    let highest = -1;
    const named = new Set<number>();
    for (const r of rules) {
      // On a 32-bit ABI the kernel zero-extends each argument: only the low word exists.
      const conds = arch.bits === 32
        ? r.conds.map((c) => ({ ...c, value: c.value & 0xffffffffn, valueTwo: c.valueTwo & 0xffffffffn }))
        : r.conds;
      for (const n of r.names) {
        const nr = syscallNumber(name, n);
        if (nr === undefined) continue; // not on this ABI: skipped, as libseccomp and runc do
        named.add(nr);
        if (nr > highest) highest = nr;
        // A rule that repeats the default changes nothing (libseccomp refuses it; runc drops it).
        if (r.action === defaultAction) continue;
        let sp = syscalls.get(nr);
        if (!sp) { sp = { nr, rules: [], otherwise: NaN }; syscalls.set(nr, sp); }
        if (conds.length) sp.rules.push({ action: r.action, conds });
        else if (Number.isNaN(sp.otherwise)) sp.otherwise = r.action;
      }
    }
    for (const sp of syscalls.values()) if (Number.isNaN(sp.otherwise)) sp.otherwise = defaultAction;
    const enosysAbove = fallback && highest >= 0;
    const clone3 = syscallNumber(name, 'clone3');
    if (enosysAbove && clone3 !== undefined && !named.has(clone3)) {
      syscalls.set(clone3, { nr: clone3, rules: [], otherwise: ENOSYS_VALUE });
    }
    return { arch, syscalls, highest, enosysAbove };
  });
  return { flags, defaultAction, badArchAction: BAD_ARCH_ACTION, arches };
}
