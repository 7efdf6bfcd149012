// berth-init as root: identity and capabilities, rlimits, hooks and sync, the exec fifo, the
// console socket, signals and exit statuses.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { before, describe, test } from 'node:test';
import { HelperError, startHelper } from '../../../src/runtime/helper.ts';
import type { Step } from '../../../src/runtime/plan.ts';
import { isRoot, makeBusyboxRootfs, makeTemp, removeTemp } from '../../helpers/rootfs.ts';
import { baseSteps, buildNative, hostMountsUnder, stopHelper, MS_NOSUID, RECVTTY, runPlan, sh } from './run-plan.ts';
import { defer, killOnEnd } from '../../helpers/cleanup.ts';

const MS_NOEXEC = 8;

describe('berth-init process steps', { skip: !isRoot && 'needs root' }, () => {
  before(() => buildNative());

  function fixture(t: { after: (fn: () => void) => void }): { dir: string; rootfs: string } {
    const dir = makeTemp('berth-native-');
    defer(t, () => removeTemp(dir));
    return { dir, rootfs: makeBusyboxRootfs(join(dir, 'rootfs')) };
  }

  async function until(cond: () => boolean, what: string, ms = 60_000): Promise<void> {
    for (const end = Date.now() + ms; !cond();) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await sleep(10);
    }
  }

  /** berth-recvtty listening on `sock` (ready once the socket exists); `done` resolves with the
   * pty's output when it exits. */
  async function recvtty(t: Parameters<typeof killOnEnd>[0], sock: string, args: string[] = []): Promise<{ done: Promise<string> }> {
    const tty = spawn(RECVTTY, [...args, sock], { stdio: ['ignore', 'pipe', 'inherit'] });
    killOnEnd(t, tty);
    let out = '';
    tty.stdout.setEncoding('utf8').on('data', (d: string) => { out += d; });
    const done = new Promise<string>((r) => tty.on('exit', () => r(out)));
    await until(() => existsSync(sock), 'the console socket');
    return { done };
  }

  test('user, groups, capabilities, no-new-privs and umask', async (t) => {
    const { rootfs } = fixture(t);
    const keep = (1n << 0n) | (1n << 5n) | (1n << 10n);   // CHOWN, KILL, NET_BIND_SERVICE
    const r = await runPlan([
      ...baseSteps(rootfs),
      { op: 'pivot-root' },
      { op: 'umask', mask: 0o027 },
      { op: 'caps-bounding', mask: keep },
      { op: 'no-new-privs' },
      { op: 'keep-caps' },
      { op: 'setgroups', gids: [10, 20] },
      { op: 'setresgid', gid: 1000 },
      { op: 'setresuid', uid: 1000 },
      { op: 'caps', effective: keep, permitted: keep, inheritable: keep },
      { op: 'caps-ambient', mask: 1n << 10n },
      sh('umask; grep -E "^(Uid|Gid|Groups|Cap...|NoNewPrivs):" /proc/self/status'),
    ]);
    assert.equal(r.exit.code, 0, r.stderr + JSON.stringify(r.records));
    const lines = r.stdout.trim().split('\n').map((l) => l.replace(/\s+/g, ' ').trim());
    assert.deepEqual(lines, [
      '0027',
      'Uid: 1000 1000 1000 1000',
      'Gid: 1000 1000 1000 1000',
      'Groups: 10 20',
      'CapInh: 0000000000000421',
      // After exec without file capabilities only the ambient set survives into permitted/effective.
      'CapPrm: 0000000000000400',
      'CapEff: 0000000000000400',
      'CapBnd: 0000000000000421',
      'CapAmb: 0000000000000400',
      'NoNewPrivs: 1',
    ]);
  });

  test('rlimits', async (t) => {
    const { rootfs } = fixture(t);
    const r = await runPlan([
      ...baseSteps(rootfs),
      { op: 'rlimit', resource: 7 /* NOFILE */, soft: 100n, hard: 200n },
      { op: 'rlimit', resource: 4 /* CORE */, soft: 0n, hard: 4096n },
      { op: 'pivot-root' },
      sh('grep -E "^Max (open files|core file size)" /proc/self/limits'),
    ]);
    assert.equal(r.exit.code, 0, r.stderr + JSON.stringify(r.records));
    const limits = r.stdout.trim().split('\n').map((l) => l.split(/\s{2,}/).slice(0, 3));
    assert.deepEqual(limits, [['Max core file size', '0', '4096'], ['Max open files', '100', '200']]);

    // Raising a hard limit needs CAP_SYS_RESOURCE, which this root lacks: a reported error.
    const raise = await runPlan([...baseSteps(rootfs), { op: 'rlimit', resource: 7, soft: 1n << 40n, hard: 1n << 40n }, sh('true')]);
    assert.deepEqual(raise.records[0]?.slice(0, 3), ['error', '4', 'rlimit']);
  });

  test('sync, state on a hook\'s stdin, failing and timed-out hooks', async (t) => {
    const { dir, rootfs } = fixture(t);
    const state = JSON.stringify({ ociVersion: '1.2.0', id: 'c1', status: 'creating', pid: 0 });
    const hook = (script: string, timeout = 0): Step =>
      ({ op: 'hook', path: '/bin/sh', args: ['sh', '-c', script], env: ['FOO=bar', 'PATH=/bin:/usr/bin'], timeout });
    const r = await runPlan([
      ...baseSteps(rootfs),
      { op: 'sync', name: 'hooks' },
      hook(`cat > ${dir}/state-out; echo "$FOO $1" > ${dir}/env-out`),
      { op: 'report', name: 'after-hook' },
      hook('exit 4'),
      sh('echo never'),
    ], { onRecord: (rec, s) => { if (rec[0] === 'sync') s.send(['state', state]); } });
    assert.deepEqual(r.records.map((x) => x.slice(0, 3)), [['sync', 'hooks'], ['report', 'after-hook'], ['error', '7', 'hook']]);
    assert.match(r.records[2][4], /exited with status 4/);
    assert.equal(readFileSync(join(dir, 'state-out'), 'utf8'), state);
    assert.equal(readFileSync(join(dir, 'env-out'), 'utf8'), 'bar \n');
    assert.equal(r.stdout, '');

    const start = Date.now();
    const slow = await runPlan([...baseSteps(rootfs), hook('sleep 5', 1), sh('true')]);
    assert.deepEqual(slow.records[0]?.slice(0, 4), ['error', '4', 'hook', '110' /* ETIMEDOUT */]);
    assert.ok(Date.now() - start < 4000, 'the hook was killed at its timeout');
  });

  test('exec fifo: the process runs only after wait-start reads a byte', async (t) => {
    const { dir, rootfs } = fixture(t);
    const fifo = join(dir, 'exec.fifo');
    const s = startHelper([
      ...baseSteps(rootfs),
      { op: 'exec-fifo', path: fifo },
      { op: 'pivot-root' },
      { op: 'report', name: 'created' },
      { op: 'wait-start' },
      sh('echo started'),
    ], { wait: true, stdio: ['ignore', 'pipe', 'inherit'], preserveFds: 0 });
    defer(t, () => stopHelper(s));
    let out = '';
    s.child.stdout!.setEncoding('utf8').on('data', (d: string) => { out += d; });
    const pid = await s.pid();
    s.send(['go']);
    await s.expect('report', 'created');
    await sleep(200);
    assert.equal(out, '', 'nothing ran before start');
    // Still the helper (run from its sealed memfd copy, hence "memfd:berth-ini…"), not yet sh.
    assert.match(readFileSync(`/proc/${pid}/comm`, 'utf8'), /berth-ini/);
    writeFileSync(fifo, '0');
    const exit = await s.exited;
    assert.equal(exit.code, 0);
    assert.equal(out, 'started\n');
  });

  test('console socket: the pty master reaches berth-recvtty and carries the output', async (t) => {
    const { dir, rootfs } = fixture(t);
    const sock = join(dir, 'console.sock');
    const tty = await recvtty(t, sock);
    const r = await runPlan([
      ...baseSteps(rootfs),
      { op: 'mount', source: 'devpts', target: '/dev/pts', fstype: 'devpts', flags: MS_NOSUID | MS_NOEXEC, data: 'newinstance,ptmxmode=0666,mode=0620', create: 'dir' },
      { op: 'symlink', linkTarget: 'pts/ptmx', target: '/dev/ptmx' },
      { op: 'console-connect', socket: sock },
      { op: 'pivot-root' },
      { op: 'console-setup', rows: 24, cols: 80 },
      sh('tty; stty size; [ -t 0 ] && [ -t 2 ] && echo all-tty; stat -c %t:%T /dev/console'),
    ]);
    assert.equal(r.exit.code, 0, r.stderr + JSON.stringify(r.records));
    assert.equal(r.stdout, '', 'the output goes to the pty, not the original stdout');
    const out = await tty.done;
    assert.deepEqual(out.split('\r\n'), ['/dev/pts/0', '24 80', 'all-tty', '88:0', '']);
    assert.deepEqual(hostMountsUnder(dir), []);
  });

  test('exec with a terminal: console-dial before setns, console-pty in the joined container', async (t) => {
    const { dir, rootfs } = fixture(t);
    const first = startHelper([
      ...baseSteps(rootfs),
      { op: 'mount', source: 'devpts', target: '/dev/pts', fstype: 'devpts', flags: MS_NOSUID | MS_NOEXEC, data: 'newinstance,ptmxmode=0666', create: 'dir' },
      { op: 'symlink', linkTarget: 'pts/ptmx', target: '/dev/ptmx' },
      { op: 'pivot-root' },
      sh('sleep 100'),
    ], { wait: true, stdio: ['ignore', 'ignore', 'inherit'], preserveFds: 0 });
    defer(t, () => stopHelper(first));
    const pid = await first.pid();
    first.send(['go']);
    await until(() => readFileSync(`/proc/${pid}/comm`, 'utf8') === 'sleep\n', 'the first container');

    const sock = join(dir, 'exec-console.sock');
    const tty = await recvtty(t, sock);
    const r = await runPlan([
      { op: 'console-dial', socket: sock },
      { op: 'setns', path: `/proc/${pid}/ns/pid`, ns: 'pid' },
      { op: 'setns', path: `/proc/${pid}/ns/mnt`, ns: 'mount' },
      { op: 'clone', namespaces: [] },
      { op: 'console-pty', rows: 30, cols: 100 },
      sh('tty; stty size; ls /proc | grep -c "^[0-9]"'),
    ]);
    assert.equal(r.exit.code, 0, r.stderr + JSON.stringify(r.records));
    const out = await tty.done;
    const [name, size] = out.split('\r\n');
    assert.equal(name, '/dev/pts/0', 'a pty of the container\'s own devpts');
    assert.equal(size, '30 100');
  });

  test('berth-recvtty --print-only names the pty', async (t) => {
    const { dir, rootfs } = fixture(t);
    const sock = join(dir, 'console.sock');
    const tty = await recvtty(t, sock, ['--print-only']);
    const r = await runPlan([
      ...baseSteps(rootfs),
      { op: 'mount', source: 'devpts', target: '/dev/pts', fstype: 'devpts', flags: 0, data: 'newinstance,ptmxmode=0666', create: 'dir' },
      { op: 'symlink', linkTarget: 'pts/ptmx', target: '/dev/ptmx' },
      { op: 'console-connect', socket: sock },
      { op: 'pivot-root' },
      { op: 'console-setup', rows: 0, cols: 0 },
      sh('true'),
    ]);
    assert.equal(r.exit.code, 0, JSON.stringify(r.records));
    const out = await tty.done;
    assert.equal(out, 'got pty: /dev/pts/0\n');
  });

  test('--wait: killed by SIGKILL is 137, SIGTERM is forwarded to the init', async (t) => {
    const { rootfs } = fixture(t);
    const killed = startHelper([...baseSteps(rootfs), { op: 'pivot-root' }, sh('sleep 100')],
      { wait: true, stdio: ['ignore', 'ignore', 'inherit'], preserveFds: 0 });
    defer(t, () => stopHelper(killed));
    const pid = await killed.pid();
    killed.send(['go']);
    await until(() => readFileSync(`/proc/${pid}/comm`, 'utf8') === 'sleep\n', 'the container to exec');
    process.kill(pid, 'SIGKILL');
    assert.deepEqual(await killed.exited, { code: 137, signal: null });

    const termed = startHelper([...baseSteps(rootfs), { op: 'pivot-root' },
      sh('trap "exit 7" TERM; echo ready; while :; do sleep 0.05; done')],
    { wait: true, stdio: ['ignore', 'pipe', 'inherit'], preserveFds: 0 });
    defer(t, () => stopHelper(termed));
    let out = '';
    termed.child.stdout!.setEncoding('utf8').on('data', (d: string) => { out += d; });
    await termed.pid();
    termed.send(['go']);
    await until(() => out === 'ready\n', 'the trap');
    termed.child.kill('SIGTERM');
    assert.deepEqual(await termed.exited, { code: 7, signal: null });
  });

  test('without --wait the helper exits 0 at once and the init carries on', async (t) => {
    // No pivot: the init writes straight into the host's test directory.
    const { dir, rootfs } = fixture(t);
    const s = startHelper([...baseSteps(rootfs), { op: 'sync', name: 'x' }, sh(`echo detached > ${dir}/out`)],
      { wait: false, stdio: ['ignore', 'ignore', 'inherit'], preserveFds: 0 });
    defer(t, () => stopHelper(s));
    const pid = await s.pid();
    assert.deepEqual(await s.exited, { code: 0, signal: null });
    s.send(['go']);
    await s.expect('sync', 'x');
    s.send(['go']);
    await assert.rejects(s.next(), { name: 'HelperClosedError' });
    // The init is not our child any more (pid 1 here does not reap): wait for it to exit or be a zombie.
    await until(() => !existsSync(`/proc/${pid}`) || /^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8')), 'the init to end');
    assert.equal(readFileSync(join(dir, 'out'), 'utf8'), 'detached\n');
  });

  test('HelperError names the step, the op and the errno', () => {
    const e = HelperError.fromRecord(['error', '3', 'mount', '2', 'mount proc on /proc']);
    assert.equal(e.index, 3);
    assert.equal(e.op, 'mount');
    assert.equal(e.code, 'ENOENT');
    assert.match(e.message, /^step 3 \(mount\): mount proc on \/proc: .*\(ENOENT\)$/);
  });
});
