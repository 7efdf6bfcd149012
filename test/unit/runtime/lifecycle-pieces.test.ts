// Unit tests of the lifecycle's small parts: signals, /proc parsing, status derivation, the lock,
// hooks (run for real: they are ordinary host processes), and list's table layout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseSignal } from '../../../src/runtime/signals.ts';
import { procStat, initAlive, deriveStatus, rfc3339Now, type ContainerRecord, validateId } from '../../../src/runtime/state.ts';
import { acquireLock } from '../../../src/runtime/lock.ts';
import { runHook } from '../../../src/runtime/hooks.ts';
import { table } from '../../../src/cli/runtime/list.ts';
import { formatLine } from '../../../src/cli/log.ts';
import { makeTemp, removeTemp } from '../../helpers/rootfs.ts';

test('signals by name, with or without SIG, any case, and numbers', () => {
  assert.equal(parseSignal('KILL'), 9);
  assert.equal(parseSignal('SIGKILL'), 9);
  assert.equal(parseSignal('sigterm'), 15);
  assert.equal(parseSignal('9'), 9);
  assert.equal(parseSignal('SIGRTMIN+2'), 36);
  assert.equal(parseSignal('RTMAX'), 64);
  assert.throws(() => parseSignal('SIGNOPE'), /unknown signal "SIGNOPE"/);
  assert.throws(() => parseSignal('0'), /unknown signal/);
  assert.throws(() => parseSignal('65'), /unknown signal/);
});

test('container ids', () => {
  validateId('abc_1.2+3-x');
  for (const bad of ['', '.', '..', 'a/b', 'a b']) assert.throws(() => validateId(bad), /invalid container id/);
});

test('procStat reads state and start time, even with odd comm names', async (t) => {
  const me = procStat(process.pid)!;
  assert.equal(me.state, 'R');
  assert.match(me.startTime, /^\d+$/);
  assert.ok(initAlive(process.pid, me.startTime));
  assert.ok(!initAlive(process.pid, `${me.startTime}1`), 'another start time is another process');
  // A child whose comm contains ") (" must still parse.
  const dir = makeTemp();
  t.after(() => removeTemp(dir));
  const odd = join(dir, 'a) (b');
  copyFileSync('/bin/sleep', odd);
  chmodSync(odd, 0o755);
  const c = spawn(odd, ['5']);
  t.after(() => c.kill('SIGKILL'));
  await new Promise((r) => setTimeout(r, 100));
  const st = procStat(c.pid!)!;
  assert.match(readFileSync(`/proc/${c.pid}/stat`, 'utf8'), /\(a\) \(b\)/);
  assert.match(st.startTime, /^\d+$/);
  assert.ok(['S', 'R'].includes(st.state));
  assert.equal(procStat(2 ** 22 + 1), null);
});

test('status: stopped when the pid is gone or reused, created with the fifo, running without', (t) => {
  const root = makeTemp();
  t.after(() => removeTemp(root));
  mkdirSync(join(root, 'c1'));
  const me = procStat(process.pid)!;
  const rec: ContainerRecord = {
    ociVersion: '1.2.0', id: 'c1', pid: process.pid, initStartTime: me.startTime, bundle: '/b', rootfs: '/b/rootfs',
    created: rfc3339Now(), annotations: {}, cgroupDirs: [], ownPidNamespace: true, hooks: { poststart: [], poststop: [] },
  };
  assert.equal(deriveStatus(root, rec), 'running');
  writeFileSync(join(root, 'c1', 'exec.fifo'), '');
  assert.equal(deriveStatus(root, rec), 'created');
  assert.equal(deriveStatus(root, { ...rec, initStartTime: '1' }), 'stopped');
  assert.equal(deriveStatus(root, { ...rec, pid: 0 }), 'stopped');
});

test('rfc3339Now trims trailing zeros like Go', () => {
  assert.match(rfc3339Now(), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d*[1-9])?Z$/);
});

test('lock: exclusive, waits for release, breaks a stale lock', async (t) => {
  const dir = makeTemp();
  t.after(() => removeTemp(dir));
  const path = join(dir, 'lock');
  const a = await acquireLock(path);
  let got = false;
  const b = acquireLock(path).then((l) => { got = true; return l; });
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(got, false, 'second holder must wait');
  a.release();
  (await b).release();
  assert.ok(got);
  // A lock left by a process that no longer exists is broken.
  writeFileSync(path, '999999999 12345');
  const c = await acquireLock(path, 1000);
  assert.match(readFileSync(path, 'utf8'), new RegExp(`^${process.pid} `));
  c.release();
  assert.ok(!existsSync(path));
  // A live holder makes a short wait time out.
  writeFileSync(path, `${process.pid} ${procStat(process.pid)!.startTime}`);
  await assert.rejects(acquireLock(path, 100), /timed out waiting for lock/);
});

test('hooks get the state on stdin, args[0] as argv0, env, and a timeout', async (t) => {
  const dir = makeTemp();
  t.after(() => removeTemp(dir));
  const out = join(dir, 'out');
  await runHook('prestart', {
    // busybox picks its applet from argv0: this only works if args[0] really is argv0.
    path: '/bin/busybox',
    args: ['sh', '-c', `echo "$0 $1 $FOO" > ${out}; cat >> ${out}`, 'zero', 'arg1'],
    env: ['FOO=bar'],
  }, '{"id":"x"}');
  assert.equal(readFileSync(out, 'utf8'), 'zero arg1 bar\n{"id":"x"}');
  await assert.rejects(runHook('poststop', { path: '/bin/sh', args: ['sh', '-c', 'echo bad >&2; exit 3'] }, '{}'),
    /poststop hook \/bin\/sh: exit status 3, stderr: bad/);
  const t0 = Date.now();
  await assert.rejects(runHook('prestart', { path: '/bin/sleep', args: ['sleep', '10'], timeout: 1 }, '{}'), /timed out after 1s/);
  assert.ok(Date.now() - t0 < 3000);
  await assert.rejects(runHook('prestart', { path: '/nonexistent/hook' }, '{}'), /prestart hook \/nonexistent\/hook: .*ENOENT/);
});

test('list table matches runc tabwriter layout', () => {
  assert.equal(table([['ID', 'PID', 'STATUS', 'BUNDLE', 'CREATED', 'OWNER']]),
    'ID          PID         STATUS      BUNDLE      CREATED     OWNER\n');
  assert.equal(table([['ID', 'PID'], ['a-very-long-id', '1']]), 'ID               PID\na-very-long-id   1\n');
});

test('log lines in runc shapes', () => {
  assert.equal(formatLine('json', 'error', 'container does not exist', 'T'), '{"level":"error","msg":"container does not exist","time":"T"}\n');
  assert.equal(formatLine('text', 'error', 'a "b"', 'T'), 'time="T" level=error msg="a \\"b\\""\n');
});

test('one signal table: exact names, exit statuses', async () => {
  const { signalNumber, signalExitCode } = await import('../../../src/runtime/signals.ts');
  assert.equal(signalNumber('SIGTERM'), 15);
  assert.equal(signalNumber('TERM'), undefined, 'exact names only; parseSignal reads user input');
  assert.equal(signalExitCode('SIGKILL'), 137);
  assert.equal(signalExitCode('SIGINT'), 130);
});
