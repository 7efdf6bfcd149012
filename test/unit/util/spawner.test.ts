// The spawn helper (src/util/spawner.ts over native/spawn.c's berth-spawn --serve): a CNI-style
// run (stdin in, stdout, stderr and status out, a timeout), a conmon-style sync read (the first
// line of fd 3, the process left running; or its end before any line), a program that cannot
// run, many at once answered as each ends, large outputs, the request's env, PATH and cwd, the
// framing, and a helper that is gone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeFrames, encodeFrame, Spawner, SpawnFailedError } from '../../../src/util/spawner.ts';

const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };

test('run: stdin to stdout, stderr and the exit status; a timeout kills', async (t) => {
  const s = new Spawner();
  t.after(() => s.close());
  const ok = await s.run('/bin/sh', ['-c', 'tr a-z A-Z; echo oops >&2; exit 3'], { env, input: '{"cni":"x"}', timeoutMs: 10_000 });
  assert.deepEqual(ok, { code: 3, signal: null, stdout: '{"CNI":"X"}', stderr: 'oops\n', timedOut: false });
  const slow = await s.run('/bin/sh', ['-c', 'exec sleep 5'], { env, input: '', timeoutMs: 200 });
  assert.equal(slow.timedOut, true);
  assert.equal(slow.signal, 'SIGKILL');
  await assert.rejects(s.run('/no/such/program', [], { env, input: '', timeoutMs: 1000 }), (e: Error) => e instanceof SpawnFailedError && /ENOENT/.test(e.message));
});

test('sync: the first line of fd 3, the process left running; or its end before one', async (t) => {
  const s = new Spawner();
  t.after(() => s.close());
  const first = await s.sync('/bin/sh', ['-c', 'echo \'{"data": 42}\' >&3; sleep 1; echo late >&3'], { env, cwd: '/' });
  assert.equal(first.closed, false);
  assert.equal(first.text.trim(), '{"data": 42}');
  const gone = await s.sync('/bin/sh', ['-c', 'echo why >&2; exit 1'], { env, cwd: '/' });
  assert.equal(gone.closed, true);
  assert.equal(gone.text, '');
  assert.equal(gone.stderr, 'why\n');
});

test('a closed helper refuses at once (callers then spawn themselves)', async () => {
  const s = new Spawner();
  s.close();
  assert.equal(s.usable, false);
  await assert.rejects(s.run('/bin/true', [], { env, input: '', timeoutMs: 1000 }), SpawnFailedError);
});

test('many at once, each answered when it ends; large output; the request\'s env, PATH and cwd', async (t) => {
  const s = new Spawner();
  t.after(() => s.close());
  const order: string[] = [];
  const slow = s.run('/bin/sh', ['-c', 'sleep 0.3; echo slow'], { env, input: '', timeoutMs: 10_000 }).then((r) => { order.push(r.stdout.trim()); });
  const fast = s.run('/bin/sh', ['-c', 'echo fast'], { env, input: '', timeoutMs: 10_000 }).then((r) => { order.push(r.stdout.trim()); });
  await Promise.all([slow, fast]);
  assert.deepEqual(order, ['fast', 'slow'], 'the quick one did not wait for the slow one');
  const big = 'x'.repeat(300_000);
  const echoed = await s.run('/bin/cat', [], { env, input: big, timeoutMs: 10_000 });
  assert.equal(echoed.stdout.length, big.length, 'stdin and stdout past a pipe\'s buffer');
  const seen = await s.run('sh', ['-c', 'echo "$MARK $0"; pwd'], { env: { ...env, MARK: 'm1' }, input: '', timeoutMs: 10_000 });
  assert.equal(seen.stdout.split('\n')[0], 'm1 sh', 'env given, argv[0] the name, found on the request\'s PATH');
  const here = await s.sync('/bin/sh', ['-c', 'pwd >&3; echo "$MARK" >&3'], { env: { ...env, MARK: 'm2' }, cwd: '/tmp' });
  assert.match(here.text, /^\/tmp\n/);
  await assert.rejects(s.sync('/bin/sh', ['-c', 'true'], { env, cwd: '/no/such/dir' }), (e: Error) => e instanceof SpawnFailedError && /ENOENT/.test(e.message));
});

test('frames: strings with their lengths, whole frames only', () => {
  const a = encodeFrame(['1', 'run', 'é\n', '']), b = encodeFrame(['2', 'sync']);
  const both = Buffer.concat([a, b]);
  assert.deepEqual(decodeFrames(both), { frames: [['1', 'run', 'é\n', ''], ['2', 'sync']], used: both.length, need: both.length + 4 });
  for (let cut = 0; cut < a.length; cut++) {
    const d = decodeFrames(both.subarray(0, cut));
    assert.deepEqual([d.frames, d.used], [[], 0], `cut at ${cut}`);
    assert.ok(d.need > cut && d.need <= a.length, `cut at ${cut}: needs ${d.need}, more than it has and no more than the frame`);
  }
  assert.deepEqual(decodeFrames(both.subarray(0, a.length + 3)), { frames: [['1', 'run', 'é\n', '']], used: a.length, need: a.length + 4 });
});

test('a timeout kills the program\'s group (what it left holding its output too); close() lets runs finish; NUL bytes pass', async (t) => {
  const s = new Spawner();
  t.after(() => s.close());
  const t0 = performance.now();
  const held = await s.run('/bin/sh', ['-c', 'sleep 30 & echo started'], { env, input: '', timeoutMs: 300 });
  assert.ok(performance.now() - t0 < 5000, 'answered at its timeout, not when the background sleep ends');
  assert.equal(held.timedOut, true);
  assert.equal(held.stdout, 'started\n');
  assert.equal((await s.run('/bin/cat', [], { env, input: 'a\0b', timeoutMs: 10_000 })).stdout, 'a\0b');
  const closing = new Spawner();
  const late = closing.run('/bin/sh', ['-c', 'sleep 0.2; echo finished'], { env, input: '', timeoutMs: 10_000 });
  closing.close();
  assert.equal((await late).stdout, 'finished\n', 'a run under way at close() is still answered');
  await assert.rejects(closing.run('/bin/true', [], { env, input: '', timeoutMs: 1000 }), SpawnFailedError);
});
