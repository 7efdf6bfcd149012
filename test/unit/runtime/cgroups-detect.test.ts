import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CgroupHostError, detectCgroups, hierarchyDir, parseMountinfo, parseSelfCgroup } from '../../../src/runtime/cgroups/index.ts';
import { hybridMountinfo, hybridSelfCgroup, nestedMountinfo, nestedSelfCgroup, v2Mountinfo, v2SelfCgroup } from './cgroups-fixtures.ts';

test('hybrid host: version 1, a mount per controller, co-mounted controllers share one mount', () => {
  const h = detectCgroups(hybridMountinfo, hybridSelfCgroup);
  assert.equal(h.version, 1);
  for (const c of ['cpu', 'cpuacct', 'cpuset', 'memory', 'devices', 'freezer', 'blkio', 'pids', 'hugetlb', 'net_cls', 'net_prio', 'perf_event', 'rdma', 'misc', 'name=systemd'] as const) {
    assert.ok(h.v1[c], `missing ${c}`);
  }
  assert.equal(h.v1.cpu?.mountpoint, '/sys/fs/cgroup/cpu,cpuacct');
  assert.equal(h.v1.cpu, h.v1.cpuacct);
  assert.deepEqual(h.v1.cpu?.controllers, ['cpu', 'cpuacct']);
  assert.equal(h.v1.net_prio?.mountpoint, '/sys/fs/cgroup/net_cls,net_prio');
  assert.equal(h.v1['name=systemd']?.mountpoint, '/sys/fs/cgroup/systemd');
  assert.deepEqual(h.unified, { mountpoint: '/sys/fs/cgroup/unified', root: '/', controllers: [], own: '/user.slice/user-0.slice/session-1.scope' });
});

test('hybrid host: the runtime\'s own cgroup per hierarchy', () => {
  const h = detectCgroups(hybridMountinfo, hybridSelfCgroup);
  assert.equal(h.v1.memory?.own, '/user.slice/user-0.slice/session-1.scope');
  assert.equal(h.v1.cpu?.own, '/user.slice');
  assert.equal(h.v1.cpuset?.own, '/');
  assert.equal(h.v1.pids?.own, '/user.slice/user-0.slice/session-1.scope');
  assert.equal(h.v1['name=systemd']?.own, '/user.slice/user-0.slice/session-1.scope');
});

test('pure v2 host: version 2, unified at /sys/fs/cgroup, no v1 hierarchies', () => {
  const h = detectCgroups(v2Mountinfo, v2SelfCgroup);
  assert.equal(h.version, 2);
  assert.deepEqual(h.v1, {});
  assert.deepEqual(h.unified, { mountpoint: '/sys/fs/cgroup', root: '/', controllers: [], own: '/user.slice/user-1000.slice/session-3.scope' });
});

test('a host with only the named systemd hierarchy and cgroup2 counts as v2', () => {
  const mi = v2Mountinfo + '31 30 0:27 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,name=systemd\n';
  assert.equal(detectCgroups(mi, v2SelfCgroup).version, 2);
});

test('no cgroup filesystem at all is a CgroupHostError', () => {
  assert.throws(() => detectCgroups('22 1 8:1 / / rw - ext4 /dev/sda1 rw\n', ''), CgroupHostError);
});

test('malformed lines are reported', () => {
  assert.throws(() => parseMountinfo('1 2 3\n'), /malformed mountinfo line/);
  assert.throws(() => parseSelfCgroup('garbage\n'), /malformed \/proc\/self\/cgroup line/);
});

test('mountinfo octal escapes in mount points are decoded', () => {
  const [m] = parseMountinfo('40 31 0:37 / /mnt/my\\040cgroups rw - cgroup cgroup rw,blkio\n');
  assert.equal(m.mountpoint, '/mnt/my cgroups');
  assert.deepEqual(m.superOptions, ['rw', 'blkio']);
});

test('hierarchy mounted at a sub-cgroup: directories are relative to the mount root', () => {
  const h = detectCgroups(nestedMountinfo, nestedSelfCgroup);
  assert.equal(h.v1.memory?.root, '/docker/abc');
  assert.equal(hierarchyDir(h.v1.memory!, '/docker/abc'), '/sys/fs/cgroup/memory');
  assert.equal(hierarchyDir(h.v1.memory!, '/docker/abc/x/y'), '/sys/fs/cgroup/memory/x/y');
  assert.equal(hierarchyDir(h.v1.pids!, '/docker/abc/sub/c1'), '/sys/fs/cgroup/pids/sub/c1');
  assert.equal(hierarchyDir(h.v1.memory!, '/elsewhere'), null);
  assert.equal(hierarchyDir(h.v1.memory!, '/docker/abcd'), null);
});

test('a hierarchy mounted twice: the mount that shows our own cgroup wins', () => {
  const mi = [
    '50 31 0:33 /other /mnt/mem rw - cgroup cgroup rw,memory',
    '51 31 0:33 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory',
    '',
  ].join('\n');
  const h = detectCgroups(mi, '3:memory:/mine\n');
  assert.equal(h.v1.memory?.mountpoint, '/sys/fs/cgroup/memory');
});

test('detectCgroups reads /proc/self when given nothing', () => {
  const h = detectCgroups();
  assert.ok(h.version === 1 || h.version === 2);
});
