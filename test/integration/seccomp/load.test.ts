// The compiled filters, loaded by the real kernel (build/berth-seccomp-load: seccomp() + exec).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileSeccomp, dockerDefaultProfile } from '../../../src/runtime/seccomp/index.ts';
import type { Seccomp } from '../../../src/oci/spec.ts';
import { BUSYBOX, isRoot, makeTemp, removeTemp } from '../../helpers/rootfs.ts';

const LOADER = join(import.meta.dirname, '../../../build/berth-seccomp-load');
const skip = !isRoot ? 'needs root' : !existsSync(LOADER) ? 'build/berth-seccomp-load is not built (scripts/build.sh)' : false;

function runUnder(t: { after: (fn: () => void) => void }, profile: Seccomp, argv: string[]) {
  const dir = makeTemp('berth-seccomp-');
  t.after(() => removeTemp(dir));
  const { flags, filter } = compileSeccomp(profile, { nativeArch: process.arch });
  const file = join(dir, 'filter.bpf');
  writeFileSync(file, filter);
  // A fresh UTS namespace: should a filter fail to deny sethostname, the host keeps its name.
  const r = spawnSync('unshare', ['--uts', LOADER, file, String(flags), ...argv], { encoding: 'utf8', cwd: dir, timeout: 20000 });
  return { ...r, dir };
}

test('mkdir fails with the errno the profile chose', { skip }, (t) => {
  const profile: Seccomp = {
    defaultAction: 'SCMP_ACT_ALLOW',
    syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 30 /* EROFS */ }],
  };
  const r = runUnder(t, profile, [BUSYBOX, 'mkdir', 'made']);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /Read-only file system/);
  assert.equal(existsSync(join(r.dir, 'made')), false);
  const ok = runUnder(t, { defaultAction: 'SCMP_ACT_ALLOW' }, [BUSYBOX, 'mkdir', 'made']);
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(existsSync(join(ok.dir, 'made')), true);
});

test('kill-process terminates with SIGSYS; flags reach the kernel', { skip }, (t) => {
  const r = runUnder(t, {
    defaultAction: 'SCMP_ACT_ALLOW', flags: ['SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW'],
    syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_KILL_PROCESS' }],
  }, [BUSYBOX, 'mkdir', 'x']);
  // unshare execs the loader, which execs busybox: the process itself dies.
  assert.equal(r.signal, 'SIGSYS', `killed by SIGSYS (status ${r.status}, ${r.stderr})`);
});

test('argument comparisons with a 64-bit value, in the kernel', { skip }, (t) => {
  // python3's os.lseek passes a full 64-bit offset: deny exactly offset 2^32+5.
  const profile: Seccomp = {
    defaultAction: 'SCMP_ACT_ALLOW',
    syscalls: [{ names: ['lseek'], action: 'SCMP_ACT_ERRNO', errnoRet: 75, args: [{ index: 1, value: 0x100000005n, op: 'SCMP_CMP_EQ' }] }],
  };
  const script = 'import os\nfd=os.open("/dev/null",os.O_RDONLY)\nfor off in (5, 2**32+5, 2**33+5):\n  try: os.lseek(fd, off, 0); print(off, "ok")\n  except OSError as e: print(off, e.errno)\n';
  const r = runUnder(t, profile, ['python3', '-c', script]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, `5 ok\n${2 ** 32 + 5} 75\n${2 ** 33 + 5} ok\n`);
});

test('docker default profile: a real program runs; denied, argument-checked and too-new syscalls', { skip }, (t) => {
  const profile = dockerDefaultProfile({ caps: ['CAP_CHOWN', 'CAP_NET_BIND_SERVICE'] });
  const script = [
    'import ctypes, os, socket',
    'libc = ctypes.CDLL(None, use_errno=True)',
    'def call(nr, *a):',
    '  r = libc.syscall(nr, *a); return 0 if r == 0 else ctypes.get_errno()',
    's = socket.socket(socket.AF_INET, socket.SOCK_STREAM); s.close(); print("inet ok")',
    'try: socket.socket(40, socket.SOCK_STREAM); print("vsock ok")',
    'except OSError as e: print("vsock", e.errno)',
    'print("sethostname", call(170, b"x", 1))',
    'print("listns", call(470, 0, 0, 0, 0))',
    'print("clone3", call(435, 0, 0))',
    'pid = os.fork()',
    'if pid == 0: os._exit(7)',
    'print("child", os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))',
  ].join('\n');
  const r = runUnder(t, profile, ['python3', '-c', script]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'inet ok\nvsock 1\nsethostname 1\nlistns 38\nclone3 38\nchild 7\n');
  const bb = runUnder(t, profile, [BUSYBOX, 'sh', '-c', 'ls / >/dev/null && echo hi | cat']);
  assert.equal(bb.status, 0, bb.stderr);
  assert.equal(bb.stdout, 'hi\n');
});
