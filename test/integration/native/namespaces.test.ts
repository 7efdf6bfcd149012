// berth-init as root: stage-0 steps (setns, time namespace), a user namespace with maps written
// while the init waits for "go", the seccomp step, and what fds the container gets.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { before, describe, test } from 'node:test';
import { startHelper } from '../../../src/runtime/helper.ts';
import type { Step } from '../../../src/runtime/plan.ts';
import { isRoot, makeBusyboxRootfs, makeTemp, removeTemp } from '../../helpers/rootfs.ts';
import { baseSteps, buildNative, hostMountsUnder, stopHelper, MS_BIND, MS_REC, runPlan, sh } from './run-plan.ts';

describe('berth-init namespaces, seccomp and fds', { skip: !isRoot && 'needs root' }, () => {
  before(() => buildNative());

  function fixture(t: { after: (fn: () => void) => void }): { dir: string; rootfs: string } {
    const dir = makeTemp('berth-native-');
    t.after(() => removeTemp(dir));
    return { dir, rootfs: makeBusyboxRootfs(join(dir, 'rootfs')) };
  }

  test('setns joins the namespaces of a running container', async (t) => {
    const { rootfs } = fixture(t);
    const first = startHelper([...baseSteps(rootfs), { op: 'sethostname', name: 'alpha' }, { op: 'pivot-root' }, sh('sleep 100')],
      { wait: true, stdio: ['ignore', 'ignore', 'inherit'], preserveFds: 0 });
    t.after(() => stopHelper(first));
    const pid = await first.pid();
    first.send(['go']);
    for (const end = Date.now() + 60_000; readFileSync(`/proc/${pid}/comm`, 'utf8') !== 'sleep\n' && Date.now() < end;) await sleep(10);
    const r = await runPlan([
      { op: 'setns', path: `/proc/${pid}/ns/uts`, ns: 'uts' },
      { op: 'setns', path: `/proc/${pid}/ns/net`, ns: 'network' },
      { op: 'setns', path: `/proc/${pid}/ns/pid`, ns: 'pid' },
      { op: 'setns', path: `/proc/${pid}/ns/mnt`, ns: 'mount' },
      { op: 'clone', namespaces: [] },
      sh('hostname; echo $$; ps -o pid,comm | grep -c sleep'),
    ]);
    assert.equal(r.exit.code, 0, r.stderr + JSON.stringify(r.records));
    const [host, innerPid, sleeps] = r.stdout.trim().split('\n');
    assert.equal(host, 'alpha');
    assert.notEqual(innerPid, '1', 'a second process in the container\'s pid namespace');
    assert.equal(sleeps, '1', 'it sees the container\'s processes');
    process.kill(pid, 'SIGKILL');
    assert.equal((await first.exited).code, 137);
  });

  test('unshare-time and timens-offset shift the init\'s clocks', async (t) => {
    const { rootfs } = fixture(t);
    const year = 365n * 86400n;
    const r = await runPlan([
      { op: 'unshare-time' },
      { op: 'timens-offset', clock: 'boottime', secs: year, nanosecs: 0n },
      { op: 'timens-offset', clock: 'monotonic', secs: 2n * year, nanosecs: 0n },
      ...baseSteps(rootfs),
      { op: 'pivot-root' },
      sh('cut -d" " -f1 /proc/uptime'),
    ]);
    assert.equal(r.exit.code, 0, r.stderr + JSON.stringify(r.records));
    const hostUptime = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
    const inner = Number(r.stdout.trim());
    assert.ok(Math.abs(inner - hostUptime - Number(year)) < 60, `uptime ${inner} vs host ${hostUptime}`);
  });

  test('user namespace: maps written while the init waits for go, then become-root', async (t) => {
    const { dir, rootfs } = fixture(t);
    chmodSync(dir, 0o755);   // mkdtemp's 0700 would keep the mapped root (host uid 100000) out
    // A nosuid,nodev,noexec mount from the host: in the new user namespace those flags are locked,
    // so making its bind read-only works only if the remount keeps them.
    const locked = join(dir, 'locked');
    mkdirSync(locked);
    mkdirSync(join(rootfs, 'locked'));   // the mapped root may not create entries in a host-owned rootfs
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'nosuid,nodev,noexec,size=1m', 'tmpfs', locked]);
    try {
      const steps: Step[] = [
        { op: 'clone', namespaces: ['user', 'mount', 'pid', 'uts'] },
        { op: 'become-root' },
        { op: 'sethostname', name: 'userns' },
        ...baseSteps(rootfs).slice(1),
        { op: 'mount', source: locked, target: '/locked', fstype: '', flags: MS_BIND | MS_REC, data: '', create: 'dir' },
        { op: 'pivot-root' },
        { op: 'readonly', target: '/locked' },
        sh('id -u; id -g; cat /proc/self/uid_map; hostname; grep " /locked " /proc/self/mountinfo | tail -n 1 | cut -d" " -f6; touch /locked/x || echo ro'),
      ];
      const s = startHelper(steps, { wait: true, stdio: ['ignore', 'pipe', 'pipe'], preserveFds: 0 });
      t.after(() => stopHelper(s));
      let out = '';
      s.child.stdout!.setEncoding('utf8').on('data', (d: string) => { out += d; });
      const pid = await s.pid();
      writeFileSync(`/proc/${pid}/uid_map`, '0 100000 65536\n');
      writeFileSync(`/proc/${pid}/setgroups`, 'deny');
      writeFileSync(`/proc/${pid}/gid_map`, '0 100000 65536\n');
      s.send(['go']);
      const rec = await s.next().catch((e: Error) => [e.name]);
      assert.deepEqual(rec, ['HelperClosedError']);
      assert.equal((await s.exited).code, 0);
      assert.deepEqual(out.split('\n').map((l) => l.trim().replace(/\s+/g, ' ')), ['0', '0', '0 100000 65536', 'userns', 'ro,nosuid,nodev,noexec,relatime', 'ro', '']);
    } finally {
      execFileSync('umount', ['-l', locked]);
    }
    assert.deepEqual(hostMountsUnder(dir), []);
  });

  test('seccomp: a loaded filter denies mkdir with EPERM', { skip: process.arch !== 'x64' && 'x86_64 syscall numbers' }, async (t) => {
    const { rootfs } = fixture(t);
    // ld arch; jne x86_64 → allow; ld nr; jeq mkdir/mkdirat → errno(EPERM); allow
    const ins = (code: number, jt: number, jf: number, k: number) => {
      const b = Buffer.alloc(8);
      b.writeUInt16LE(code, 0); b.writeUInt8(jt, 2); b.writeUInt8(jf, 3); b.writeUInt32LE(k >>> 0, 4);
      return b;
    };
    const LD_W_ABS = 0x20, JEQ_K = 0x15, RET_K = 0x06;
    const filter = Buffer.concat([
      ins(LD_W_ABS, 0, 0, 4), ins(JEQ_K, 0, 4, 0xc000003e),
      ins(LD_W_ABS, 0, 0, 0), ins(JEQ_K, 2, 0, 83), ins(JEQ_K, 1, 0, 258),
      ins(RET_K, 0, 0, 0x7fff0000), ins(RET_K, 0, 0, 0x00050000 | 1),
    ]);
    const r = await runPlan([
      ...baseSteps(rootfs),
      { op: 'pivot-root' },
      { op: 'no-new-privs' },
      { op: 'seccomp', flags: 0, filter },
      sh('mkdir /tmp/x 2>&1; grep ^Seccomp: /proc/self/status'),
    ]);
    assert.equal(r.exit.code, 0, r.stderr + JSON.stringify(r.records));
    assert.match(r.stdout, /Operation not permitted/);
    assert.match(r.stdout, /Seccomp:\s+2/);

    const bad = await runPlan([...baseSteps(rootfs), { op: 'seccomp', flags: 0, filter: filter.subarray(0, 12) }, sh('true')]);
    assert.deepEqual(bad.records[0]?.slice(0, 4), ['error', '4', 'seccomp', '22']);
  });

  test('the container gets fds 0-2 only: the channel and the helper\'s fds are closed on exec', async (t) => {
    const { rootfs } = fixture(t);
    const r = await runPlan([
      ...baseSteps(rootfs),
      { op: 'pivot-root' },
      { op: 'close-fds', keepBelow: 3 },
      { op: 'exec', path: 'ls', args: ['ls', '/proc/self/fd'], env: ['PATH=/bin'] },
    ]);
    assert.equal(r.exit.code, 0, r.stderr + JSON.stringify(r.records));
    assert.deepEqual(r.stdout.trim().split('\n'), ['0', '1', '2', '3'], 'fd 3 is ls\'s own directory handle');
  });
});
