// The v2 code paths against a real cgroup2 hierarchy. On this hybrid host only the core files
// exist there (the controllers are bound to v1), so this covers directories, delegation writes
// (skipped quietly where a controller is missing), procs, unified keys, the v2 freezer and cpu
// stats. The hierarchy root is never changed: its subtree_control writes are dropped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmdirSync } from 'node:fs';
import { posix } from 'node:path';
import {
  applyCgroup, cgroupPids, cgroupStats, detectCgroups, freeze, freezerState, planCgroup, removeCgroup, thaw,
} from '../../../src/runtime/cgroups/index.ts';
import type { CgroupHost } from '../../../src/runtime/cgroups/index.ts';
import { isRoot } from '../../helpers/rootfs.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { cleanup, exited, spawnWaiting, testName, until } from './helpers.ts';

const detected = isRoot ? detectCgroups() : null;
const skip = !isRoot ? 'needs root' : !detected?.unified ? 'no cgroup2 mount' : false;

test('v2: create nested, join, unified keys, freeze/thaw via cgroup.freeze, stats, remove', { skip }, async (t) => {
  const mount = detected!.unified!;
  const host: CgroupHost = { version: 2, v1: {}, unified: { ...mount, own: '/' } };
  const name = testName('v2');
  const planned = planCgroup({ cgroupsPath: `/${name}/c1`, resources: { unified: { 'cgroup.max.descendants': '3' } } }, 'unused', host);
  const rootCtl = posix.join(mount.mountpoint, 'cgroup.subtree_control');
  const plan = { ...planned, writes: planned.writes.filter((w) => w.path !== rootCtl) };
  const dir = posix.join(mount.mountpoint, name, 'c1');
  assert.deepEqual(plan.dirs, [dir]);
  // Delegation in the intermediate cgroup is planned (and will be skipped: ENOENT).
  assert.ok(plan.writes.some((w) => w.path === posix.join(mount.mountpoint, name, 'cgroup.subtree_control') && w.optional));

  // Burns a little cpu, then ticks on stdout every 20 ms: ticks stop while frozen.
  const child = spawnWaiting('i=0; while [ $i -lt 5000 ]; do i=$((i+1)); done; while :; do echo t; sleep 0.02; done', 'pipe');
  let ticks = 0;
  child.stdout!.on('data', (b: Buffer) => { ticks += b.toString().split('\n').length - 1; });
  t.after(async () => {
    await cleanup(plan, child);
    try { rmdirSync(posix.join(mount.mountpoint, name)); } catch { /* already gone */ }
  });

  await applyCgroup(plan, child.pid);
  child.stdin!.write('go\n');
  assert.match(readFileSync(`/proc/${child.pid}/cgroup`, 'utf8'), new RegExp(`^0::/${name}/c1$`, 'm'));
  assert.ok(cgroupPids(plan).includes(child.pid));
  assert.equal(readFileSync(posix.join(dir, 'cgroup.max.descendants'), 'utf8').trim(), '3');

  await until('the worker to tick', () => ticks >= 3);
  await freeze(plan);
  assert.equal(freezerState(plan), 'frozen');
  assert.match(readFileSync(posix.join(dir, 'cgroup.events'), 'utf8'), /^frozen 1$/m);
  // Ticks already in the pipe may still arrive (later on a loaded machine): first the count holds
  // still for 200 ms (it never would while the worker ran), then it must not move for 500 ms.
  let frozenAt = -1;
  for (const end = Date.now() + 60_000; ticks !== frozenAt;) {
    if (Date.now() > end) assert.fail('the output never stopped while frozen');
    frozenAt = ticks;
    await sleep(200);
  }
  await sleep(500);
  assert.equal(ticks, frozenAt, 'no output while frozen');
  await thaw(plan);
  assert.equal(freezerState(plan), 'thawed');
  await until('ticks to resume', () => ticks > frozenAt);

  const s = cgroupStats(plan);
  assert.ok(s.cpu.usage.total > 0, 'cpu.stat usage_usec counted');
  assert.ok(s.cpu.usage.user + s.cpu.usage.kernel > 0);
  assert.deepEqual(s.cpu.usage.percpu, []);

  // Kill the shell first so it forks no more ticks, then whatever sleep it left.
  child.kill('SIGKILL');
  await exited(child);
  for (const p of cgroupPids(plan)) process.kill(p, 'SIGKILL');
  await until('the cgroup to empty', () => cgroupPids(plan).length === 0);
  await removeCgroup(plan);
  assert.ok(!existsSync(dir));
  // The parent was created by apply but is not the container's: removeCgroup leaves it.
  assert.ok(existsSync(posix.join(mount.mountpoint, name)));
});
