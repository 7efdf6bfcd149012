import assert from 'node:assert/strict';
import { test } from 'node:test';
import { probeHost } from '../../../src/runtime/host.ts';
import { isInitialUserNs } from '../../../src/util/userns.ts';
import { detectCgroups, hierarchies, type CgroupHost } from '../../../src/runtime/cgroups/index.ts';
import { V1_HOST, V1_MOUNTINFO, V1_SELF_CGROUP, V2_HOST } from './planner-fixtures.ts';

const layout = (c: CgroupHost) => hierarchies(c).map((h) => [h.mountpoint, h.controllers.join(','), h.own]);

test('the planner\'s host facts use the cgroups module\'s detection: one hierarchy per v1 mount', () => {
  const c = V1_HOST.cgroup;
  assert.equal(c.version, 1);
  assert.deepEqual(layout(c), [
    ['/sys/fs/cgroup/systemd', 'name=systemd', '/user.slice/session-1.scope'],
    ['/sys/fs/cgroup/cpu,cpuacct', 'cpu,cpuacct', '/user.slice'],
    ['/sys/fs/cgroup/memory', 'memory', '/user.slice'],
    ['/sys/fs/cgroup/pids', 'pids', '/user.slice/user-1000.slice'],
    ['/sys/fs/cgroup/devices', 'devices', '/user.slice'],
  ]);
  assert.deepEqual(c.unified, { mountpoint: '/sys/fs/cgroup/unified', controllers: [], root: '/', own: '/user.slice/session-1.scope' });
});

test('pure v2 host', () => {
  assert.equal(V2_HOST.cgroup.version, 2);
  assert.deepEqual(layout(V2_HOST.cgroup), [['/sys/fs/cgroup', '', '/user.slice/user-1000.slice/session-3.scope']]);
});

test('mountinfo escapes, duplicate hierarchies and non-root mount roots', () => {
  const extra = V1_MOUNTINFO +
    '90 24 0:32 /user.slice /var/lib/x\\040y/memory rw - cgroup cgroup rw,memory\n' +
    '91 24 0:40 /docker/abc /sys/fs/cgroup/freezer rw - cgroup cgroup rw,freezer,release_agent=/x\n';
  const c = detectCgroups(extra, V1_SELF_CGROUP + '7:freezer:/docker/abc/inner\n');
  assert.equal(hierarchies(c).filter((h) => h.controllers.includes('memory')).length, 1, 'first mount of a hierarchy wins');
  assert.equal(c.v1.memory?.mountpoint, '/sys/fs/cgroup/memory');
  assert.deepEqual(c.v1.freezer,
    { mountpoint: '/sys/fs/cgroup/freezer', controllers: ['freezer'], root: '/docker/abc', own: '/docker/abc/inner' });
});

test('initial user namespace detection', () => {
  assert.equal(isInitialUserNs('         0          0 4294967295\n'), true);
  assert.equal(isInitialUserNs('         0       1000          1\n'), false);
});

test('probeHost on this machine is consistent and cached', () => {
  const h = probeHost();
  assert.equal(probeHost(), h);
  assert.ok(h.capLastCap >= 36 && h.capLastCap < 64);
  assert.ok(h.namespaces.includes('mount') && h.namespaces.includes('pid'));
  assert.equal(h.root, process.geteuid!() === 0);
  assert.ok(hierarchies(h.cgroup).length > 0);
  for (const x of hierarchies(h.cgroup)) assert.ok(x.mountpoint.startsWith('/'));
  assert.deepEqual(h.cgroup, detectCgroups(), 'the same layout the cgroups module detects');
});
