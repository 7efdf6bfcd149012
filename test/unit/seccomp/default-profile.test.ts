import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dockerDefaultProfile, compileSeccomp, disassemble } from '../../../src/runtime/seccomp/index.ts';
import { ALLOW, compile, errno, verdict } from './helpers.ts';

const DEFAULT_CAPS = ['CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE'];
const X64 = 'SCMP_ARCH_X86_64' as const;

test('docker default profile on x86_64 with docker default capabilities', () => {
  const p = dockerDefaultProfile({ arch: 'x86_64', caps: DEFAULT_CAPS, kernel: '6.18.0' });
  assert.deepEqual(p.architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
  const f = compile(p);
  assert.ok(f.length / 8 < 1500, `compact: ${f.length / 8} instructions`);
  for (const n of ['read', 'write', 'openat', 'execve', 'arch_prctl', 'chroot', 'ptrace', 'rt_sigreturn', 'futex', 'clone']) {
    assert.equal(verdict(f, X64, n), ALLOW, n);
  }
  for (const n of ['reboot', 'mount', 'umount2', 'unshare', 'setns', 'kexec_load', 'init_module', 'bpf', 'open_by_handle_at', 'swapon', 'acct']) {
    assert.equal(verdict(f, X64, n), errno(1), n);
  }
  assert.equal(verdict(f, X64, 'clone3'), errno(38), 'clone3 → ENOSYS');
  assert.equal(verdict(f, X64, 'clone', [0x11n]), ALLOW, 'fork-like clone');
  assert.equal(verdict(f, X64, 'clone', [0x10000000n | 0x11n]), errno(1), 'CLONE_NEWUSER');
  assert.equal(verdict(f, X64, 'socket', [2n]), ALLOW);
  assert.equal(verdict(f, X64, 'socket', [40n]), errno(1), 'AF_VSOCK');
  assert.equal(verdict(f, X64, 'personality', [8n]), ALLOW);
  assert.equal(verdict(f, X64, 'personality', [0x400000n]), errno(1));
  assert.equal(verdict(f, X64, 'listns'), errno(38), 'newer than the profile: ENOSYS');
  // The compat ABIs.
  assert.equal(verdict(f, 'SCMP_ARCH_X86', 'socketcall'), ALLOW);
  assert.equal(verdict(f, 'SCMP_ARCH_X86', 'reboot'), errno(1));
  assert.equal(verdict(f, 'SCMP_ARCH_X32', 'read'), ALLOW);
  assert.equal(verdict(f, 'SCMP_ARCH_AARCH64', 'read'), 0, 'other architectures are killed');
  assert.match(disassemble(f), /X86_64/);
});

test('capabilities open their groups', () => {
  const admin = compile(dockerDefaultProfile({ arch: 'x86_64', caps: [...DEFAULT_CAPS, 'CAP_SYS_ADMIN', 'CAP_SYS_BOOT'] }));
  assert.equal(verdict(admin, X64, 'mount'), ALLOW);
  assert.equal(verdict(admin, X64, 'reboot'), ALLOW);
  assert.equal(verdict(admin, X64, 'clone3'), ALLOW);
  assert.equal(verdict(admin, X64, 'clone', [0x10000000n]), ALLOW);
  const none = compile(dockerDefaultProfile({ arch: 'x86_64', caps: [] }));
  assert.equal(verdict(none, X64, 'chroot'), errno(1), 'chroot needs CAP_SYS_CHROOT');
  assert.equal(verdict(none, X64, 'ptrace'), ALLOW, 'ptrace allowed from 4.8 on without a kernel given');
  const old = compile(dockerDefaultProfile({ arch: 'x86_64', caps: [], kernel: '4.4.0' }));
  assert.equal(verdict(old, X64, 'ptrace'), errno(1));
});

test('arm64 and s390x variants', () => {
  const arm = dockerDefaultProfile({ arch: 'arm64', caps: DEFAULT_CAPS });
  assert.deepEqual(arm.architectures, ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM']);
  const f = compileSeccomp(arm, { nativeArch: 'arm64' }).filter;
  assert.equal(verdict(f, 'SCMP_ARCH_AARCH64', 'read'), ALLOW);
  assert.equal(verdict(f, 'SCMP_ARCH_ARM', 'cacheflush'), ALLOW);
  assert.equal(verdict(f, 'SCMP_ARCH_AARCH64', 'reboot'), errno(1));
  const s = compileSeccomp(dockerDefaultProfile({ arch: 's390x', caps: [] }), { nativeArch: 's390x' }).filter;
  assert.equal(verdict(s, 'SCMP_ARCH_S390X', 'clone', [0n, 0x11n]), ALLOW, 's390: flags are the second argument');
  assert.equal(verdict(s, 'SCMP_ARCH_S390X', 'clone', [0n, 0x20000n]), errno(1));
});
