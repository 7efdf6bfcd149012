// Real cgroups on this host: create, join, read back, freeze/thaw, stats, update, remove.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { posix } from 'node:path';
import {
  applyCgroup, CgroupFsError, cgroupPids, cgroupStats, detectCgroups, freeze, freezerState, planCgroup, removeCgroup, thaw, updateCgroup,
} from '../../../src/runtime/cgroups/index.ts';
import { isRoot } from '../../helpers/rootfs.ts';
import { cleanup, exited, procState, spawnWaiting, testName, until } from './helpers.ts';

const host = isRoot ? detectCgroups() : null;
const skip = !isRoot ? 'needs root' : host?.version !== 1 ? 'host is not cgroup v1' : false;
const MiB = 1 << 20;
const read = (dir: string, file: string) => readFileSync(posix.join(dir, file), 'utf8').trim();
const dirOf = (dirs: string[], file: string) => {
  const d = dirs.find((x) => existsSync(posix.join(x, file)));
  assert.ok(d, `no directory has ${file}`);
  return d;
};

test('v1: limits, join, freeze/thaw, stats, update, remove', { skip }, async (t) => {
  const name = testName('v1');
  const plan = planCgroup({ cgroupsPath: name, resources: {
    memory: { limit: 32 * MiB, swap: 64 * MiB },
    pids: { limit: 20 },
    cpu: { quota: 20000, period: 100000, shares: 512, cpus: '0' },
  } }, 'unused', host!);
  const child = spawnWaiting('i=0; while [ $i -lt 30000 ]; do i=$((i+1)); done; exec sleep 60');
  t.after(() => cleanup(plan, child));

  await applyCgroup(plan, child.pid);
  child.stdin!.write('go\n');

  // The process is in every hierarchy's new cgroup.
  const self = readFileSync(`/proc/${child.pid}/cgroup`, 'utf8');
  for (const line of self.trim().split('\n').filter((l) => !l.startsWith('0::'))) {
    assert.ok(line.endsWith(`/${name}`), `not moved: ${line}`);
  }
  assert.deepEqual(cgroupPids(plan), [child.pid]);

  const mem = dirOf(plan.dirs, 'memory.limit_in_bytes');
  assert.equal(read(mem, 'memory.limit_in_bytes'), String(32 * MiB));
  assert.equal(read(mem, 'memory.memsw.limit_in_bytes'), String(64 * MiB));
  assert.equal(read(dirOf(plan.dirs, 'pids.max'), 'pids.max'), '20');
  const cpu = dirOf(plan.dirs, 'cpu.cfs_quota_us');
  assert.equal(read(cpu, 'cpu.cfs_quota_us'), '20000');
  assert.equal(read(cpu, 'cpu.cfs_period_us'), '100000');
  assert.equal(read(cpu, 'cpu.shares'), '512');
  const cpuset = dirOf(plan.dirs, 'cpuset.cpus');
  assert.equal(read(cpuset, 'cpuset.cpus'), '0');
  // mems was not given: copied from the parent so the task could join.
  assert.equal(read(cpuset, 'cpuset.mems'), read(posix.dirname(cpuset), 'cpuset.mems'));
  assert.notEqual(read(cpuset, 'cpuset.mems'), '');
  // Device policy: no blanket rule, the defaults present.
  const devices = read(dirOf(plan.dirs, 'devices.list'), 'devices.list').split('\n');
  assert.ok(!devices.includes('a *:* rwm'));
  assert.ok(devices.includes('c 1:3 rwm') && devices.includes('c 136:* rwm'));

  await until('the worker to exec sleep', () => readFileSync(`/proc/${child.pid}/comm`, 'utf8').trim() === 'sleep');
  await until('the worker to sleep', () => procState(child.pid) === 'S');

  await freeze(plan);
  assert.equal(freezerState(plan), 'frozen');
  // Frozen tasks show as uninterruptible on current kernels.
  assert.equal(procState(child.pid), 'D');
  await thaw(plan);
  assert.equal(freezerState(plan), 'thawed');
  await until('the worker to sleep again', () => procState(child.pid) === 'S');

  const s = cgroupStats(plan);
  assert.ok(s.cpu.usage.total > 0, 'cpu usage counted after joining');
  assert.equal(s.cpu.usage.percpu.length > 0, true);
  // user and kernel are clock ticks (10 ms): the loop above burns enough CPU for at least one.
  assert.ok(s.cpu.usage.user + s.cpu.usage.kernel > 0);
  assert.ok(s.memory.usage.usage > 0, 'memory charged after joining');
  assert.equal(s.memory.usage.limit, 32 * MiB);
  assert.equal(s.memory.swap.limit, 64 * MiB);
  assert.ok(s.memory.usage.max >= s.memory.usage.usage);
  assert.ok('total_rss' in s.memory.raw || 'rss' in s.memory.raw);
  assert.deepEqual(s.pids, { current: 1, limit: 20 });
  assert.ok(Array.isArray(s.blkio.ioServiceBytesRecursive));

  // Raising memory above the current memsw needs memsw first: the EINVAL retry handles it.
  const u = await updateCgroup(plan, { memory: { limit: 128 * MiB, swap: 128 * MiB }, pids: { limit: 30 }, cpu: { quota: 50000 } });
  assert.deepEqual(u.warnings, []);
  assert.equal(read(mem, 'memory.limit_in_bytes'), String(128 * MiB));
  assert.equal(read(mem, 'memory.memsw.limit_in_bytes'), String(128 * MiB));
  assert.equal(read(dirOf(plan.dirs, 'pids.max'), 'pids.max'), '30');
  assert.equal(read(cpu, 'cpu.cfs_quota_us'), '50000');
  // Lowering works in the plain order.
  await updateCgroup(plan, { memory: { limit: 16 * MiB, swap: 16 * MiB } });
  assert.equal(read(mem, 'memory.limit_in_bytes'), String(16 * MiB));
  assert.equal(read(mem, 'memory.memsw.limit_in_bytes'), String(16 * MiB));

  // Removal refuses while the task lives (nothing is killed) ...
  await assert.rejects(removeCgroup(plan.dirs.slice(0, 1), { timeoutMs: 100 }), (e: Error) => e instanceof CgroupFsError && e.code === 'EBUSY');
  assert.ok(existsSync(plan.dirs[0]));
  // ... and succeeds once it has gone.
  child.kill('SIGKILL');
  await exited(child);
  await removeCgroup(plan);
  for (const d of plan.dirs) assert.ok(!existsSync(d), `left behind: ${d}`);
});

test('v1: a failing write names file and value and undoes the directories', { skip }, async (t) => {
  const name = testName('v1fail');
  const plan = planCgroup({ cgroupsPath: `/${name}/inner`, resources: { cpu: { cpus: '4095' } } }, 'unused', host!);
  const child = spawnWaiting('exit 0');
  t.after(() => cleanup(plan, child));
  await assert.rejects(applyCgroup(plan, child.pid), (e: Error) => {
    assert.ok(e instanceof CgroupFsError);
    assert.match(e.path, /cpuset\.cpus$/);
    assert.equal(e.value, '4095');
    assert.match(e.message, /cpuset\.cpus/);
    return true;
  });
  // Both the leaf and the parent it had to create are gone.
  for (const d of plan.dirs) {
    assert.ok(!existsSync(d), `left behind: ${d}`);
    assert.ok(!existsSync(posix.dirname(d)), `left behind: ${posix.dirname(d)}`);
  }
  // The worker was never moved.
  assert.ok(!readFileSync(`/proc/${child.pid}/cgroup`, 'utf8').includes(name));
});

test('v1: pids.max really stops forks, sub-cgroups are listed and removed', { skip }, async (t) => {
  const name = testName('v1pids');
  const plan = planCgroup({ cgroupsPath: name, resources: { pids: { limit: 4 } } }, 'unused', host!);
  // The shell plus 3 sleeps reach the limit; the next fork fails and the shell gives up
  // (leaving its sleeps behind, still in the cgroup).
  const child = spawnWaiting('for i in 1 2 3 4 5 6 7 8; do sleep 30 & done; wait');
  t.after(() => cleanup(plan, child));
  await applyCgroup(plan, child.pid);
  child.stdin!.write('go\n');
  await exited(child);
  assert.notEqual(child.exitCode, 0, 'the shell should have failed to fork');
  const pidsDir = plan.dirs.find((d) => existsSync(posix.join(d, 'pids.max')))!;
  assert.match(read(pidsDir, 'pids.events'), /^max [1-9]/m);
  const sleepers = cgroupPids(plan);
  assert.equal(sleepers.length, 3);
  assert.deepEqual(cgroupStats(plan).pids, { current: 3, limit: 4 });

  // A sub-cgroup made inside (as a nested runtime would) is seen and removed with the parent.
  const sub = posix.join(pidsDir, 'sub');
  mkdirSync(sub);
  writeFileSync(posix.join(sub, 'cgroup.procs'), String(sleepers[0]));
  assert.deepEqual(cgroupPids([sub]), [sleepers[0]]);
  assert.deepEqual(cgroupPids(plan), sleepers);

  // The orphaned sleeps die as zombies nobody reaps here; they must not keep the cgroups busy.
  for (const p of sleepers) process.kill(p, 'SIGKILL');
  await until('the sleeps to leave the cgroup', () => cgroupPids(plan).length === 0);
  await removeCgroup(plan);
  assert.ok(!existsSync(sub));
  for (const d of plan.dirs) assert.ok(!existsSync(d), `left behind: ${d}`);
});

test('v1: the memory limit is enforced (OOM kill above it, fine below)', { skip }, async (t) => {
  // dd holds one block of bs bytes in memory: 48 MiB does not fit in 32 MiB, 8 MiB does.
  const run = async (what: string, bs: string): Promise<{ code: number | null; oomKill: number; max: number }> => {
    const plan = planCgroup({ cgroupsPath: testName(what), resources: { memory: { limit: 32 * MiB, swap: 32 * MiB } } }, 'unused', host!);
    const child = spawnWaiting(`exec dd if=/dev/zero of=/dev/null bs=${bs} count=1`);
    t.after(() => cleanup(plan, child));
    await applyCgroup(plan, child.pid);
    child.stdin!.write('go\n');
    await exited(child);
    const { oomKill, usage } = cgroupStats(plan).memory;
    await removeCgroup(plan);
    return { code: child.exitCode ?? (child.signalCode === 'SIGKILL' ? 137 : -1), oomKill, max: usage.max };
  };
  const big = await run('oom', '48M');
  assert.equal(big.code, 137, 'dd should be OOM-killed');
  assert.equal(big.oomKill, 1);
  assert.equal(big.max, 32 * MiB);
  const small = await run('fits', '8M');
  assert.equal(small.code, 0);
  assert.equal(small.oomKill, 0);
  assert.ok(small.max > 8 * MiB && small.max < 32 * MiB);
});

test('v1: cpuset values are copied down through new intermediate cgroups', { skip }, async (t) => {
  const name = testName('v1nest');
  const plan = planCgroup({ cgroupsPath: `/${name}/a/b` }, 'unused', host!);
  const child = spawnWaiting('exec sleep 60');
  t.after(async () => {
    await cleanup(plan, child);
    for (const d of plan.dirs) for (const up of [posix.dirname(d), posix.dirname(posix.dirname(d))]) try { rmdirSync(up); } catch { /* gone */ }
  });
  await applyCgroup(plan, child.pid);
  const leaf = dirOf(plan.dirs, 'cpuset.cpus');
  const root = posix.dirname(posix.dirname(posix.dirname(leaf)));
  for (const d of [posix.dirname(posix.dirname(leaf)), posix.dirname(leaf), leaf]) {
    assert.equal(read(d, 'cpuset.cpus'), read(root, 'cpuset.cpus'), d);
    assert.equal(read(d, 'cpuset.mems'), read(root, 'cpuset.mems'), d);
  }
  assert.ok(readFileSync(`/proc/${child.pid}/cgroup`, 'utf8').includes(`cpuset:/${name}/a/b`));
});
