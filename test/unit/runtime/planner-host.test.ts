import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isInitialUserNs, parseCgroupFacts, probeHost } from '../../../src/runtime/host.ts';
import { V1_HOST, V1_MOUNTINFO, V1_SELF_CGROUP, V2_HOST } from './planner-fixtures.ts';

test('v1 host with hybrid cgroup2: one hierarchy per v1 mount, own cgroups matched by controller set', () => {
  const c = V1_HOST.cgroup;
  assert.equal(c.version, 1);
  assert.deepEqual(c.hierarchies.map((h) => [h.mountPoint, h.controllers.join(','), h.own]), [
    ['/sys/fs/cgroup/systemd', 'name=systemd', '/user.slice/session-1.scope'],
    ['/sys/fs/cgroup/cpu,cpuacct', 'cpu,cpuacct', '/user.slice'],
    ['/sys/fs/cgroup/memory', 'memory', '/user.slice'],
    ['/sys/fs/cgroup/pids', 'pids', '/user.slice/user-1000.slice'],
    ['/sys/fs/cgroup/devices', 'devices', '/user.slice'],
  ]);
  assert.deepEqual(c.unified, { mountPoint: '/sys/fs/cgroup/unified', controllers: [], root: '/', own: '/user.slice/session-1.scope' });
});

test('pure v2 host', () => {
  assert.deepEqual(V2_HOST.cgroup, {
    version: 2,
    hierarchies: [{ mountPoint: '/sys/fs/cgroup', controllers: [], root: '/', own: '/user.slice/user-1000.slice/session-3.scope' }],
  });
});

test('mountinfo escapes, duplicate hierarchies and non-root mount roots', () => {
  const extra = V1_MOUNTINFO +
    '90 24 0:32 /user.slice /var/lib/x\\040y/memory rw - cgroup cgroup rw,memory\n' +
    '91 24 0:40 /docker/abc /sys/fs/cgroup/freezer rw - cgroup cgroup rw,freezer,release_agent=/x\n';
  const c = parseCgroupFacts(extra, V1_SELF_CGROUP + '7:freezer:/docker/abc/inner\n');
  assert.equal(c.hierarchies.filter((h) => h.controllers.includes('memory')).length, 1, 'first mount of a hierarchy wins');
  assert.deepEqual(c.hierarchies.find((h) => h.controllers[0] === 'freezer'),
    { mountPoint: '/sys/fs/cgroup/freezer', controllers: ['freezer'], root: '/docker/abc', own: '/docker/abc/inner' });
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
  assert.ok(h.cgroup.hierarchies.length > 0);
  for (const x of h.cgroup.hierarchies) assert.ok(x.mountPoint.startsWith('/'));
});
