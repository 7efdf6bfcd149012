// Resource limits and default security through the engine: memory (OOM kill), pids (fork
// fails), capabilities, seccomp, no-new-privileges, masked paths.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isRoot } from '../../helpers/rootfs.ts';
import { Berth } from './harness.ts';

const skip = !isRoot && 'needs root';

test('--memory: over the limit the container is OOM-killed', { skip }, async (t) => {
  const b = new Berth();
  t.after(() => b.teardown());
  const r = await b.run(['run', '--name', 'berth-test-oom', '-m', '32m', 'busybox', 'sh', '-c',
    'cat /sys/fs/cgroup/memory/memory.limit_in_bytes; x=a; while true; do x="$x$x"; done']);
  assert.equal(r.code, 137, r.stderr);
  assert.equal(r.stdout, `${32 * 1024 * 1024}\n`);
  assert.equal((await b.ok(['inspect', '-f', '{{.State.OOMKilled}} {{.State.ExitCode}}', 'berth-test-oom'])).trim(), 'true 137');
});

test('--pids-limit: forks past the limit fail', { skip }, async (t) => {
  const b = new Berth();
  t.after(() => b.teardown());
  const r = await b.run(['run', '--rm', '--pids-limit', '5', 'busybox', 'sh', '-c', 'for i in 1 2 3 4 5 6 7 8; do sleep 2 & done; wait']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /can't fork/);
  const ok = await b.run(['run', '--rm', '--pids-limit', '50', 'busybox', 'sh', '-c', 'for i in 1 2 3 4 5 6 7 8; do sleep 0.1 & done; wait; echo ok']);
  assert.equal(ok.stdout, 'ok\n', ok.stderr);
});

test('default security: docker caps, seccomp, masked paths; --cap-add/--cap-drop, --privileged, no-new-privileges', { skip }, async (t) => {
  const b = new Berth();
  t.after(() => b.teardown());
  const caps = (args: string[]) => b.ok(['run', '--rm', ...args, 'busybox', 'sh', '-c', 'grep -E "^(CapBnd|CapEff|NoNewPrivs|Seccomp):" /proc/self/status']);
  const dflt = await caps([]);
  // docker's 14 default capabilities: 0xa80425fb
  assert.match(dflt, /CapBnd:\s+00000000a80425fb/);
  assert.match(dflt, /Seccomp:\s+2/);
  assert.match(dflt, /NoNewPrivs:\s+0/);
  assert.match(await caps(['--cap-drop', 'ALL', '--cap-add', 'NET_ADMIN']), /CapBnd:\s+0000000000001000/);
  assert.match(await caps(['--cap-drop', 'chown']), /CapBnd:\s+00000000a80425fa/);
  assert.match(await caps(['--security-opt', 'seccomp=unconfined']), /Seccomp:\s+0/);
  assert.match(await caps(['--security-opt', 'no-new-privileges']), /NoNewPrivs:\s+1/);
  const priv = await caps(['--privileged']);
  assert.match(priv, /Seccomp:\s+0/);
  assert.doesNotMatch(priv, /CapBnd:\s+00000000a80425fb/);
  // The default seccomp profile refuses what docker's refuses (unshare of a user namespace needs
  // CAP_SYS_ADMIN there); masked paths read as empty.
  const blocked = await b.run(['run', '--rm', 'busybox', 'sh', '-c', 'unshare -U true && echo allowed || echo refused; wc -c < /proc/keys; grep -E " /proc/sys proc ro," /proc/mounts | wc -l']);
  assert.match(blocked.stdout, /refused/);
  assert.equal(blocked.stdout, 'refused\n0\n1\n', blocked.stderr);
  // --security-opt seccomp=FILE: a profile of one's own (mkdir refused with EPERM).
  const profile = join(b.tmp, 'no-mkdir.json');
  writeFileSync(profile, JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }] }));
  const own = await b.run(['run', '--rm', '--security-opt', `seccomp=${profile}`, 'busybox', 'sh', '-c', 'touch /ok && echo touched; mkdir /nope']);
  assert.equal(own.stdout, 'touched\n');
  assert.notEqual(own.code, 0);
  assert.match(own.stderr, /Operation not permitted/);
  const missing = await b.run(['run', '--rm', '--security-opt', `seccomp=${join(b.tmp, 'absent.json')}`, 'busybox', 'true']);
  assert.equal(missing.code, 125);
  assert.match(missing.stderr, /seccomp profile/);
  // container ls / ps filters over the group command
  assert.equal((await b.run(['container', 'run', '--name', 'berth-test-done', 'busybox', 'sh', '-c', 'exit 2'])).code, 2);
  assert.equal((await b.ok(['container', 'ls', '-a', '--filter', 'exited=2', '--format', '{{.Names}} {{.State}}'])).trim(), 'berth-test-done exited');
  assert.equal((await b.ok(['container', 'ls', '--filter', 'status=running', '-q'])).trim(), '');
});
