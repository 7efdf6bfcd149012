// From a plan to classic BPF. Layout:
//
//   ld arch; jeq AUDIT_1 → section 1; jeq AUDIT_2 → section 2; …; ret BAD_ARCH
//   section: ld nr; binary search over number ranges; each leaf is a `ret` or a syscall's
//   argument checks.
//
// Syscall numbers are grouped into ranges that share one outcome (consecutive numbers with the
// same unconditional action merge, so an allow-list collapses into a few dozen ranges), and the
// ranges are searched with `jge` pivots: about log2(ranges) jumps per syscall instead of one
// `jeq` per listed syscall, and a program roughly twice the number of ranges long.
import { ENOSYS_VALUE } from './actions.ts';
import { X32_SYSCALL_BIT } from './arch.ts';
import {
  BPF_ABS, BPF_ALU, BPF_AND, BPF_JEQ, BPF_JGE, BPF_JGT, BPF_JMP, BPF_K, BPF_LD, BPF_MAXINSNS, BPF_RET, BPF_W,
  SECCOMP_DATA_ARCH, SECCOMP_DATA_ARGS, SECCOMP_DATA_NR, type Insn,
} from './bpf.ts';
import { SeccompProgramError } from './errors.ts';
import { Program, type Label } from './program.ts';
import type { ArchPlan, Cond, SeccompPlan, SyscallPlan } from './plan.ts';

type Outcome = { kind: 'ret'; value: number } | { kind: 'rules'; sc: SyscallPlan };
interface Segment { start: number; outcome: Outcome }

const LD_ABS = BPF_LD | BPF_W | BPF_ABS;
const RET_K = BPF_RET | BPF_K;
const JEQ = BPF_JMP | BPF_JEQ | BPF_K, JGT = BPF_JMP | BPF_JGT | BPF_K, JGE = BPF_JMP | BPF_JGE | BPF_K;
const AND = BPF_ALU | BPF_AND | BPF_K;

export function segments(plan: ArchPlan, defaultAction: number): Segment[] {
  const segs: Segment[] = [];
  const push = (start: number, outcome: Outcome): void => {
    const last = segs[segs.length - 1];
    if (last && last.outcome.kind === 'ret' && outcome.kind === 'ret' && last.outcome.value === outcome.value) return;
    segs.push({ start, outcome });
  };
  let cursor = 0;
  for (const nr of [...plan.syscalls.keys()].sort((a, b) => a - b)) {
    if (nr > cursor) push(cursor, { kind: 'ret', value: defaultAction });
    const sc = plan.syscalls.get(nr)!;
    push(nr, sc.rules.length ? { kind: 'rules', sc } : { kind: 'ret', value: sc.otherwise });
    cursor = nr + 1;
  }
  if (plan.enosysAbove) {
    if (cursor <= plan.highest) push(cursor, { kind: 'ret', value: defaultAction });
    push(Math.max(cursor, plan.highest + 1), { kind: 'ret', value: ENOSYS_VALUE });
  } else if (cursor <= 0xffffffff) push(cursor, { kind: 'ret', value: defaultAction });
  return segs;
}

function emitCond(p: Program, c: Cond, plan: ArchPlan, fail: Label): void {
  const base = SECCOMP_DATA_ARGS + 8 * c.index;
  const [loOff, hiOff] = plan.arch.littleEndian ? [base, base + 4] : [base + 4, base];
  const lo = (v: bigint): number => Number(v & 0xffffffffn);
  const hi = (v: bigint): number => Number(v >> 32n);
  const wide = plan.arch.bits === 64;
  const pass = p.label();
  switch (c.op) {
    case 'EQ':
      if (wide) { p.stmt(LD_ABS, hiOff); p.jump(JEQ, hi(c.value), null, fail); }
      p.stmt(LD_ABS, loOff); p.jump(JEQ, lo(c.value), null, fail);
      break;
    case 'NE':
      if (wide) { p.stmt(LD_ABS, hiOff); p.jump(JEQ, hi(c.value), null, pass); }
      p.stmt(LD_ABS, loOff); p.jump(JEQ, lo(c.value), fail, null);
      break;
    case 'MASKED_EQ': // (arg & value) == valueTwo
      if (wide) { p.stmt(LD_ABS, hiOff); p.stmt(AND, hi(c.value)); p.jump(JEQ, hi(c.valueTwo), null, fail); }
      p.stmt(LD_ABS, loOff); p.stmt(AND, lo(c.value)); p.jump(JEQ, lo(c.valueTwo), null, fail);
      break;
    case 'GT': case 'GE': // high word decides unless equal, then the low word
      if (wide) { p.stmt(LD_ABS, hiOff); p.jump(JGT, hi(c.value), pass, null); p.jump(JEQ, hi(c.value), null, fail); }
      p.stmt(LD_ABS, loOff); p.jump(c.op === 'GT' ? JGT : JGE, lo(c.value), null, fail);
      break;
    case 'LT': case 'LE': // the negations of GE and GT
      if (wide) { p.stmt(LD_ABS, hiOff); p.jump(JGT, hi(c.value), fail, null); p.jump(JEQ, hi(c.value), null, pass); }
      p.stmt(LD_ABS, loOff); p.jump(c.op === 'LT' ? JGE : JGT, lo(c.value), fail, null);
      break;
  }
  p.place(pass);
}

function emitRules(p: Program, sc: SyscallPlan, plan: ArchPlan): void {
  for (const rule of sc.rules) {
    const fail = p.label();
    for (const c of rule.conds) emitCond(p, c, plan, fail);
    p.stmt(RET_K, rule.action);
    p.place(fail);
  }
  p.stmt(RET_K, sc.otherwise);
}

function emitTree(p: Program, segs: Segment[], lo: number, hi: number, plan: ArchPlan): void {
  if (lo === hi) {
    const o = segs[lo].outcome;
    if (o.kind === 'ret') p.stmt(RET_K, o.value);
    else emitRules(p, o.sc, plan);
    return;
  }
  const mid = (lo + hi + 1) >> 1;
  const right = p.label();
  p.jump(JGE, segs[mid].start, right, null);
  emitTree(p, segs, lo, mid - 1, plan);
  p.place(right);
  emitTree(p, segs, mid, hi, plan);
}

/** The search over one ABI's numbers; the accumulator holds seccomp_data.nr. */
function emitDispatch(p: Program, plan: ArchPlan, defaultAction: number): void {
  const segs = segments(plan, defaultAction);
  emitTree(p, segs, 0, segs.length - 1, plan);
}

export function emitProgram(plan: SeccompPlan): Insn[] {
  const p = new Program();
  // x86_64 and x32 share AUDIT_ARCH_X86_64: one section, split on __X32_SYSCALL_BIT.
  const groups = new Map<number, { plain?: ArchPlan; x32?: ArchPlan }>();
  for (const a of plan.arches) {
    const g = groups.get(a.arch.audit) ?? {};
    if (a.arch.name === 'SCMP_ARCH_X32') g.x32 = a; else g.plain = a;
    groups.set(a.arch.audit, g);
  }
  p.stmt(LD_ABS, SECCOMP_DATA_ARCH);
  const entry = new Map<number, Label>();
  for (const audit of groups.keys()) {
    const l = p.label();
    entry.set(audit, l);
    p.jump(JEQ, audit, l, null);
  }
  p.stmt(RET_K, plan.badArchAction);
  for (const [audit, g] of groups) {
    p.place(entry.get(audit)!);
    p.stmt(LD_ABS, SECCOMP_DATA_NR);
    const sharesX32 = g.x32 !== undefined || g.plain?.arch.name === 'SCMP_ARCH_X86_64';
    if (!sharesX32) { emitDispatch(p, g.plain!, plan.defaultAction); continue; }
    const native = p.label(), x32 = p.label();
    // nr -1 is what a tracer leaves to skip a syscall: not an x32 number.
    p.jump(JEQ, 0xffffffff, native, null);
    p.jump(JGE, X32_SYSCALL_BIT, x32, null);
    p.place(native);
    if (g.plain) emitDispatch(p, g.plain, plan.defaultAction); else p.stmt(RET_K, plan.badArchAction);
    p.place(x32);
    if (g.x32) emitDispatch(p, g.x32, plan.defaultAction); else p.stmt(RET_K, plan.badArchAction);
  }
  const insns = p.assemble();
  if (insns.length > BPF_MAXINSNS) {
    throw new SeccompProgramError(`the filter needs ${insns.length} instructions; the kernel accepts at most ${BPF_MAXINSNS}`);
  }
  return insns;
}
