import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ARCHES, syscallNumber, X32_SYSCALL_BIT, AUDIT_ARCH_X86_64, AUDIT_ARCH_I386, AUDIT_ARCH_AARCH64, AUDIT_ARCH_ARM, AUDIT_ARCH_S390X, AUDIT_ARCH_PPC64LE, AUDIT_ARCH_RISCV64 } from '../../../src/runtime/seccomp/index.ts';

test('well-known syscall numbers per ABI', () => {
  const cases: [string, string, number][] = [
    ['SCMP_ARCH_X86_64', 'read', 0], ['SCMP_ARCH_X86_64', 'mkdir', 83], ['SCMP_ARCH_X86_64', 'reboot', 169],
    ['SCMP_ARCH_X86_64', 'clone3', 435], ['SCMP_ARCH_X86_64', 'mseal', 462], ['SCMP_ARCH_X86_64', 'arch_prctl', 158],
    ['SCMP_ARCH_X86', 'read', 3], ['SCMP_ARCH_X86', 'socketcall', 102], ['SCMP_ARCH_X86', 'mkdir', 39],
    ['SCMP_ARCH_X32', 'read', X32_SYSCALL_BIT], ['SCMP_ARCH_X32', 'rt_sigaction', X32_SYSCALL_BIT + 512],
    ['SCMP_ARCH_AARCH64', 'read', 63], ['SCMP_ARCH_AARCH64', 'mkdirat', 34], ['SCMP_ARCH_AARCH64', 'fstat', 80],
    ['SCMP_ARCH_ARM', 'read', 3], ['SCMP_ARCH_ARM', 'cacheflush', 0xf0002], ['SCMP_ARCH_ARM', 'set_tls', 0xf0005],
    ['SCMP_ARCH_RISCV64', 'fcntl', 25], ['SCMP_ARCH_RISCV64', 'riscv_flush_icache', 259],
    ['SCMP_ARCH_PPC64LE', 'read', 3], ['SCMP_ARCH_S390X', 'read', 3], ['SCMP_ARCH_S390X', 's390_runtime_instr', 342],
    ['SCMP_ARCH_AARCH64', 'listns', 470], ['SCMP_ARCH_X32', 'listns', X32_SYSCALL_BIT + 470],
  ];
  for (const [arch, name, nr] of cases) assert.equal(syscallNumber(arch as never, name), nr, `${name} on ${arch}`);
  // Syscalls an ABI does not have are absent, not zero.
  assert.equal(syscallNumber('SCMP_ARCH_AARCH64', 'open'), undefined);
  assert.equal(syscallNumber('SCMP_ARCH_X86_64', 'socketcall'), undefined);
  assert.equal(syscallNumber('SCMP_ARCH_X86_64', 'constructor'), undefined);
});

test('audit arch constants', () => {
  assert.equal(AUDIT_ARCH_X86_64, 0xc000003e);
  assert.equal(AUDIT_ARCH_I386, 0x40000003);
  assert.equal(AUDIT_ARCH_AARCH64, 0xc00000b7);
  assert.equal(AUDIT_ARCH_ARM, 0x40000028);
  assert.equal(AUDIT_ARCH_RISCV64, 0xc00000f3);
  assert.equal(AUDIT_ARCH_PPC64LE, 0xc0000015);
  assert.equal(AUDIT_ARCH_S390X, 0x80000016);
  for (const a of Object.values(ARCHES)) {
    assert.equal((a.audit & 0x40000000) !== 0, a.littleEndian, `${a.name} endianness bit`);
    assert.equal((a.audit & 0x80000000) !== 0, a.name === 'SCMP_ARCH_X32' ? true : a.bits === 64, `${a.name} 64-bit bit`);
    assert.ok(Object.keys(a.syscalls()).length > 300, `${a.name} table is populated`);
  }
});
