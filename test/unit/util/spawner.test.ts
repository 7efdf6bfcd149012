// The spawn helper (src/util/spawner.ts): a CNI-style run (stdin in, stdout, stderr and status
// out, a timeout), a conmon-style sync read (the first line of fd 3, the process left running;
// or its end before any line), a program that cannot run, and a helper that is gone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Spawner, SpawnFailedError } from '../../../src/util/spawner.ts';

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
