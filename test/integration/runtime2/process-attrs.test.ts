// process.scheduler (sched_setattr), linux.personality and process.ioPriority, in `run` and in
// `exec` (from a process.json).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isRoot } from '../../helpers/rootfs.ts';
import { build, cli, startedBundle, tempBundle } from '../runtime/support.ts';
import type { Spec } from '../../../src/oci/index.ts';

const skip = !isRoot && 'needs root';
before(() => { if (!skip) build(); });

// Fields 40 (rt_priority) and 41 (policy) of /proc/self/stat; comm is "sh", without spaces.
const SCHED = 'set -- $(cat /proc/self/stat); shift 39; echo policy=$2 prio=$1';
// With RT group scheduling (cpu.rt_runtime_us on v1) a new cgroup has no realtime budget and
// sched_setattr(SCHED_RR/FIFO) is EPERM: the container asks for some.
const rtBudget = (s: Spec) => { s.linux!.resources = { ...(s.linux!.resources ?? {}), cpu: { realtimeRuntime: 10_000, realtimePeriod: 1_000_000 } }; };

function bundleFor(t: { after(fn: () => void): void }, tag: string, args: string[], edit: (s: Spec) => void) {
  const id = `p2-${tag}-${process.pid}`;
  return { id, ...tempBundle(t, 'berth-rt2-', id, args, edit) };
}

test('process.scheduler SCHED_RR 10 is the container process\'s policy; a bad one is refused before anything runs', { skip }, (t) => {
  const b = bundleFor(t, 'rr', ['sh', '-c', SCHED], (s) => { rtBudget(s); s.process!.scheduler = { policy: 'SCHED_RR', priority: 10 }; });
  const r = cli(b.root, ['run', '--bundle', b.bundle, b.id]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'policy=2 prio=10\n');
  const bad = bundleFor(t, 'rrbad', ['true'], (s) => { s.process!.scheduler = { policy: 'SCHED_DEADLINE' }; });
  const e = cli(bad.root, ['run', '--bundle', bad.bundle, bad.id]);
  assert.equal(e.code, 1);
  assert.match(e.stderr, /process.scheduler: SCHED_DEADLINE needs runtime and deadline/);
});

test('SCHED_BATCH with a nice value', { skip }, (t) => {
  const b = bundleFor(t, 'batch', ['sh', '-c', 'set -- $(cat /proc/self/stat); echo nice=${19} policy=${41}'], (s) => {
    s.process!.scheduler = { policy: 'SCHED_BATCH', nice: 7 };
  });
  const r = cli(b.root, ['run', '--bundle', b.bundle, b.id]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'nice=7 policy=3\n');
});

test('linux.personality LINUX32 makes uname report a 32-bit machine; ioPriority is applied', { skip }, (t) => {
  const b = bundleFor(t, 'pers', ['sh', '-c', 'uname -m; ionice -p $$'], (s) => {
    s.linux!.personality = { domain: 'LINUX32' };
    s.process!.ioPriority = { class: 'IOPRIO_CLASS_BE', priority: 3 };
  });
  const r = cli(b.root, ['run', '--bundle', b.bundle, b.id]);
  assert.equal(r.code, 0, r.stderr);
  const [machine, io] = r.stdout.trim().split('\n');
  assert.equal(machine, 'i686');
  assert.match(io, /best-effort: prio 3/);
});

test('exec applies a process.json scheduler', { skip }, (t) => {
  const b = startedBundle(t, 'berth-rt2-', `p2-exsched-${process.pid}`, ['sleep', '1000'], rtBudget);
  const pj = join(b.dir, 'process.json');
  writeFileSync(pj, JSON.stringify({ args: ['sh', '-c', SCHED], cwd: '/', user: { uid: 0, gid: 0 }, scheduler: { policy: 'SCHED_FIFO', priority: 5 } }));
  const r = cli(b.root, ['exec', '--process', pj, b.id]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'policy=1 prio=5\n');
});
