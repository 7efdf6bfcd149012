import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileSeccomp, runFilter, disassemble, SeccompProfileError, SeccompUnsupportedError } from '../../../src/runtime/seccomp/index.ts';
import type { Seccomp } from '../../../src/oci/spec.ts';
import { syscalls as x86_64Table } from '../../../src/runtime/seccomp/tables/x86_64.ts';

const tableX64 = x86_64Table();
import { ALLOW, KILL_PROCESS, KILL_THREAD, compile, errno, verdict } from './helpers.ts';

const X64 = 'SCMP_ARCH_X86_64' as const;

test('default action, allowed syscalls and per-rule errno', () => {
  const f = compile({
    defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 13,
    syscalls: [
      { names: ['read', 'write', 'no_such_syscall'], action: 'SCMP_ACT_ALLOW' },
      { names: ['mkdir'], action: 'SCMP_ACT_ERRNO', errnoRet: 28 },
      { names: ['rmdir'], action: 'SCMP_ACT_ERRNO' },
      { names: ['kill'], action: 'SCMP_ACT_KILL_PROCESS' },
      { names: ['tkill'], action: 'SCMP_ACT_KILL' },
      { names: ['uname'], action: 'SCMP_ACT_TRAP' },
      { names: ['getpid'], action: 'SCMP_ACT_LOG' },
      { names: ['getppid'], action: 'SCMP_ACT_TRACE', errnoRet: 7 },
    ],
  });
  assert.equal(verdict(f, X64, 'read'), ALLOW);
  assert.equal(verdict(f, X64, 'write'), ALLOW);
  assert.equal(verdict(f, X64, 'open'), errno(13));
  assert.equal(verdict(f, X64, 'mkdir'), errno(28));
  assert.equal(verdict(f, X64, 'rmdir'), errno(1), 'a rule errno defaults to EPERM, not defaultErrnoRet');
  assert.equal(verdict(f, X64, 'kill'), KILL_PROCESS);
  assert.equal(verdict(f, X64, 'tkill'), KILL_THREAD);
  assert.equal(verdict(f, X64, 'uname'), 0x00030000);
  assert.equal(verdict(f, X64, 'getpid'), 0x7ffc0000);
  assert.equal(verdict(f, X64, 'getppid'), (0x7ff00000 | 7) >>> 0);
  assert.match(disassemble(f), /ret ERRNO\(28\)/);
});

test('default ERRNO without defaultErrnoRet is EPERM; allow-by-default denies only the listed', () => {
  const deny = compile({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW' }] });
  assert.equal(verdict(deny, X64, 'write'), errno(1));
  const allow = compile({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 30 }] });
  assert.equal(verdict(allow, X64, 'mkdir'), errno(30));
  assert.equal(verdict(allow, X64, 'mkdirat'), errno(30));
  assert.equal(verdict(allow, X64, 'read'), ALLOW);
  assert.equal(verdict(allow, X64, 1000), ALLOW, 'no ENOSYS fallback when the default allows');
});

// A reference for what a condition means, on full 64-bit values.
function holds(op: string, arg: bigint, value: bigint, valueTwo: bigint): boolean {
  switch (op) {
    case 'SCMP_CMP_NE': return arg !== value;
    case 'SCMP_CMP_LT': return arg < value;
    case 'SCMP_CMP_LE': return arg <= value;
    case 'SCMP_CMP_EQ': return arg === value;
    case 'SCMP_CMP_GE': return arg >= value;
    case 'SCMP_CMP_GT': return arg > value;
    case 'SCMP_CMP_MASKED_EQ': return (arg & value) === valueTwo;
  }
  throw new Error(op);
}

const SAMPLES = [0n, 1n, 5n, 0xffffffffn, 0x100000000n, 0x100000005n, 0x1_0000_0004n, 0x2_0000_0000n, 0xffff_ffff_ffff_fffen, 0xffff_ffff_ffff_ffffn, 0x7fff_ffff_0000_0005n];

test('argument comparisons on 64-bit values (high word set and not) match the reference', () => {
  const ops = ['SCMP_CMP_NE', 'SCMP_CMP_LT', 'SCMP_CMP_LE', 'SCMP_CMP_EQ', 'SCMP_CMP_GE', 'SCMP_CMP_GT'] as const;
  const values = [5n, 0x100000005n, 0xffffffffn, 0xffff_ffff_ffff_fffen];
  for (const op of ops) for (const value of values) {
    const f = compile({
      defaultAction: 'SCMP_ACT_ERRNO',
      syscalls: [{ names: ['ioctl'], action: 'SCMP_ACT_ALLOW', args: [{ index: 2, value: value.toString(), op }] }],
    });
    for (const arg of SAMPLES) {
      const want = holds(op, arg, value, 0n) ? ALLOW : errno(1);
      assert.equal(verdict(f, X64, 'ioctl', [0n, 0n, arg]), want, `${op} ${value.toString(16)} on ${arg.toString(16)}`);
    }
  }
});

test('MASKED_EQ with masks in both words', () => {
  const masks: [bigint, bigint][] = [[0x7e020000n, 0n], [0xff00000000ff00n, 0x1200000000ab00n], [0xffffffff00000000n, 0x100000000n]];
  for (const [mask, want] of masks) {
    const f = compile({
      defaultAction: 'SCMP_ACT_ERRNO',
      syscalls: [{ names: ['clone'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: mask, valueTwo: want, op: 'SCMP_CMP_MASKED_EQ' }] }],
    });
    for (const arg of [...SAMPLES, 0x20000n, 0x1200000000ab00n, 0x12000000ffabffn, 0x1300000000ab00n, 0x10000ffffn]) {
      assert.equal(verdict(f, X64, 'clone', [arg]), holds('SCMP_CMP_MASKED_EQ', arg, mask, want) ? ALLOW : errno(1), `mask ${mask.toString(16)} arg ${arg.toString(16)}`);
    }
  }
});

test('args within one rule are ANDed; rules for one syscall are ORed', () => {
  const f = compile({
    defaultAction: 'SCMP_ACT_ERRNO',
    syscalls: [
      { names: ['mmap'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 0, op: 'SCMP_CMP_EQ' }, { index: 2, value: 4, op: 'SCMP_CMP_LT' }] },
      { names: ['mmap'], action: 'SCMP_ACT_ALLOW', args: [{ index: 5, value: 0x1000, op: 'SCMP_CMP_GE' }] },
      { names: ['mmap'], action: 'SCMP_ACT_ERRNO', errnoRet: 22, args: [{ index: 1, value: 99, op: 'SCMP_CMP_EQ' }] },
    ],
  });
  const mm = (a: bigint[]): number => verdict(f, X64, 'mmap', a);
  assert.equal(mm([0n, 0n, 3n]), ALLOW, 'both conditions of rule 1');
  assert.equal(mm([1n, 0n, 3n]), errno(1), 'only one condition of rule 1');
  assert.equal(mm([0n, 0n, 4n]), errno(1));
  assert.equal(mm([7n, 0n, 9n, 0n, 0n, 0x1000n]), ALLOW, 'rule 2');
  assert.equal(mm([7n, 99n, 9n]), errno(22), 'rule 3');
  assert.equal(mm([0n, 99n, 1n]), ALLOW, 'earlier rules win');
});

test('an unconditional rule is the fallback after conditional ones', () => {
  const f = compile({
    defaultAction: 'SCMP_ACT_ALLOW',
    syscalls: [
      { names: ['socket'], action: 'SCMP_ACT_ERRNO', errnoRet: 97 },
      { names: ['socket'], action: 'SCMP_ACT_ERRNO', errnoRet: 13, args: [{ index: 0, value: 16, op: 'SCMP_CMP_EQ' }] },
    ],
  });
  assert.equal(verdict(f, X64, 'socket', [16n]), errno(13));
  assert.equal(verdict(f, X64, 'socket', [2n]), errno(97));
});

test('architectures: native always, listed ones, unknown ones killed; x32 on x86_64', () => {
  const p: Seccomp = { defaultAction: 'SCMP_ACT_ERRNO', architectures: ['SCMP_ARCH_X86', 'SCMP_ARCH_MIPS'], syscalls: [{ names: ['read', 'mkdir'], action: 'SCMP_ACT_ALLOW' }] };
  const f = compile(p);
  assert.equal(verdict(f, X64, 'read'), ALLOW);
  assert.equal(verdict(f, 'SCMP_ARCH_X86', 'read'), ALLOW);
  assert.equal(verdict(f, 'SCMP_ARCH_X86', 'mkdir'), ALLOW, 'mkdir is 39 on i386, 83 on x86_64');
  assert.equal(verdict(f, 'SCMP_ARCH_X86', 83), errno(1), 'i386 number 83 is not mkdir');
  assert.equal(verdict(f, 'SCMP_ARCH_AARCH64', 'read'), KILL_THREAD, 'an architecture outside the filter is killed');
  assert.equal(verdict(f, 'SCMP_ARCH_X32', 'read'), KILL_THREAD, 'x32 numbers under AUDIT_ARCH_X86_64 are killed unless x32 is listed');
  assert.equal(verdict(f, X64, -1), errno(38), 'nr -1 (tracer skip) is not killed as an x32 number: above the profile, ENOSYS');

  const g = compile({ ...p, architectures: ['SCMP_ARCH_X32'] });
  assert.equal(verdict(g, 'SCMP_ARCH_X32', 'read'), ALLOW);
  assert.equal(verdict(g, 'SCMP_ARCH_X32', 'write'), errno(1));
  assert.equal(verdict(g, 'SCMP_ARCH_X32', 'mkdir'), ALLOW);
  assert.equal(verdict(g, 'SCMP_ARCH_X86', 'read'), KILL_THREAD);
});

test('32-bit ABIs compare only the low word; big-endian ABIs find the words swapped', () => {
  const p: Seccomp = {
    defaultAction: 'SCMP_ACT_ERRNO', architectures: ['SCMP_ARCH_ARM', 'SCMP_ARCH_S390'],
    syscalls: [{ names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 0x100000008n, op: 'SCMP_CMP_EQ' }] }],
  };
  const arm = compile(p, 'SCMP_ARCH_AARCH64');
  assert.equal(verdict(arm, 'SCMP_ARCH_AARCH64', 'personality', [0x100000008n]), ALLOW);
  assert.equal(verdict(arm, 'SCMP_ARCH_AARCH64', 'personality', [8n]), errno(1));
  assert.equal(verdict(arm, 'SCMP_ARCH_ARM', 'personality', [8n]), ALLOW, 'arm: the high word does not exist');
  const s390 = compile(p, 'SCMP_ARCH_S390X');
  assert.equal(verdict(s390, 'SCMP_ARCH_S390X', 'personality', [0x100000008n]), ALLOW);
  assert.equal(verdict(s390, 'SCMP_ARCH_S390X', 'personality', [0x800000001n]), errno(1));
  assert.equal(verdict(s390, 'SCMP_ARCH_S390X', 'personality', [8n]), errno(1));
  assert.equal(verdict(s390, 'SCMP_ARCH_S390', 'personality', [8n]), ALLOW);
});

test('ENOSYS for numbers above the highest one the profile names, and for an unnamed clone3', () => {
  const f = compile({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['read', 'write', 'openat2'], action: 'SCMP_ACT_ALLOW' }] });
  assert.equal(verdict(f, X64, 'openat2'), ALLOW);
  assert.equal(verdict(f, X64, 'pidfd_getfd'), errno(38), '438 > 437');
  assert.equal(verdict(f, X64, 'mseal'), errno(38));
  assert.equal(verdict(f, X64, 5000), errno(38));
  assert.equal(verdict(f, X64, 'mkdir'), errno(1), 'below the highest: the default');
  assert.equal(verdict(f, X64, 'clone3'), errno(38), 'clone3 is not named: ENOSYS so that libc falls back to clone');
  const named = compile({ defaultAction: 'SCMP_ACT_KILL_PROCESS', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW' }, { names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }] });
  assert.equal(verdict(named, X64, 'clone3'), errno(1), 'a named clone3 keeps its rule');
  assert.equal(verdict(named, X64, 'listns'), errno(38));
  assert.equal(verdict(named, X64, 'write'), KILL_PROCESS);
  const noRules = compile({ defaultAction: 'SCMP_ACT_ERRNO' });
  assert.equal(verdict(noRules, X64, 5000), errno(1), 'a profile naming nothing gets no fallback');
  const allowDefault = compile({ defaultAction: 'SCMP_ACT_LOG', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW' }] });
  assert.equal(verdict(allowDefault, X64, 5000), 0x7ffc0000);
});

test('long profiles stay correct through trampolines', () => {
  // Every x86_64 syscall gets its own conditional rule: a tree far wider than an 8-bit jump.
  const names = Object.keys(x86Syscalls());
  const syscalls = names.map((n, i) => ({ names: [n], action: 'SCMP_ACT_ERRNO' as const, errnoRet: (i % 4000) + 1, args: [{ index: i % 6, value: i, op: 'SCMP_CMP_EQ' as const }] }));
  const { filter } = compileSeccomp({ defaultAction: 'SCMP_ACT_ALLOW', syscalls }, { nativeArch: X64 });
  const insns = filter.length / 8;
  assert.ok(insns > 2000, `long program (${insns})`);
  let ja = 0;
  for (let o = 0; o < filter.length; o += 8) if (filter.readUInt16LE(o) === 0x05) ja++;
  assert.ok(ja > 0, 'trampolines were needed');
  names.forEach((n, i) => {
    const args = [0n, 0n, 0n, 0n, 0n, 0n];
    args[i % 6] = BigInt(i);
    assert.equal(verdict(filter, X64, n, args), errno((i % 4000) + 1), n);
    args[i % 6] = BigInt(i) + 1n;
    assert.equal(verdict(filter, X64, n, args), ALLOW, n);
  });
});

function x86Syscalls(): Record<string, number> {
  return Object.fromEntries(Object.entries(tableX64).filter(([, nr]) => nr < 600));
}

test('too long for the kernel is a typed error', () => {
  const syscalls = Object.keys(tableX64).flatMap((n) => [0, 1, 2, 3, 4, 5].map((j) => ({ names: [n], action: 'SCMP_ACT_ERRNO' as const, args: [{ index: j, value: 0x100000000n + BigInt(j), op: 'SCMP_CMP_GT' as const }] })));
  assert.throws(() => compileSeccomp({ defaultAction: 'SCMP_ACT_ALLOW', syscalls }, { nativeArch: X64 }), /at most 4096/);
});

test('flags', () => {
  const f = (flags: string[]): number => compileSeccomp({ defaultAction: 'SCMP_ACT_ALLOW', flags }, { nativeArch: X64 }).flags;
  assert.equal(f([]), 0);
  assert.equal(f(['SECCOMP_FILTER_FLAG_TSYNC']), 1);
  assert.equal(f(['SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW']), 6);
  assert.equal(f(['SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV']), 0, 'meaningless without a listener');
  assert.throws(() => f(['SECCOMP_FILTER_FLAG_BOGUS']), (e: unknown) => e instanceof SeccompProfileError && e.field === 'flags[0]');
});

test('profile errors name the field', () => {
  const bad = (p: unknown, re: RegExp, cls: Function = SeccompProfileError): void => {
    assert.throws(() => compileSeccomp(p as Seccomp, { nativeArch: X64 }), (e: unknown) => e instanceof cls && re.test((e as Error).message));
  };
  bad({ defaultAction: 'SCMP_ACT_NOTIFY' }, /defaultAction.*NOTIFY.*not supported/, SeccompUnsupportedError);
  bad({ defaultAction: 'SCMP_ACT_ALLOW', listenerPath: '/run/x.sock' }, /listenerPath/, SeccompUnsupportedError);
  bad({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read'], action: 'SCMP_ACT_NOTIFY' }] }, /syscalls\[0\]\.action/, SeccompUnsupportedError);
  bad({ defaultAction: 'SCMP_ACT_MAYBE' }, /unknown action/);
  bad({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW', errnoRet: 3 }] }, /syscalls\[0\]\.action: errnoRet is only valid/);
  bad({ defaultAction: 'SCMP_ACT_ALLOW', defaultErrnoRet: 3 }, /errnoRet is only valid/);
  bad({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW', args: [{ index: 6, value: 0, op: 'SCMP_CMP_EQ' }] }] }, /args\[0\]\.index/);
  bad({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 0, op: 'SCMP_CMP_XX' }] }] }, /args\[0\]\.op/);
  bad({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 2 ** 60, op: 'SCMP_CMP_EQ' }] }] }, /args\[0\]\.value.*precision/);
  bad({ defaultAction: 'SCMP_ACT_ERRNO', architectures: ['SCMP_ARCH_VAX'] }, /architectures\[0\]/);
  bad({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: 'read', action: 'SCMP_ACT_ALLOW' }] }, /syscalls\[0\]\.names/);
});

test('runFilter takes raw seccomp_data too', () => {
  const f = compile({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW' }] });
  const data = Buffer.alloc(64);
  data.writeUInt32LE(0, 0);
  data.writeUInt32LE(0xc000003e, 4);
  assert.equal(runFilter(f, data), ALLOW);
  data.writeUInt32LE(1, 0);
  assert.equal(runFilter(f, data), errno(1));
});
