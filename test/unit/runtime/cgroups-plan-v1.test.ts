import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CgroupConfigError, CgroupPathError, DEFAULT_DEVICE_RULES, detectCgroups, parseCgroupsPath, planCgroup } from '../../../src/runtime/cgroups/index.ts';
import type { CgroupHost, PlannedCgroup } from '../../../src/runtime/cgroups/index.ts';
import type { Resources } from '../../../src/oci/spec.ts';
import { hybridMountinfo, hybridSelfCgroup } from './cgroups-fixtures.ts';

const host: CgroupHost = detectCgroups(hybridMountinfo, hybridSelfCgroup);
const plan = (resources: Resources, cgroupsPath = '/berth/c1'): PlannedCgroup => planCgroup({ cgroupsPath, resources }, 'c1', host);
/** The writes without the device rules every container gets. */
const nonDevice = (p: PlannedCgroup) => p.writes.filter((w) => !w.path.includes('/devices/'));
const w = (path: string, value: string, optional?: boolean) => (optional ? { path, value, optional } : { path, value });

test('absolute cgroupsPath: one directory per hierarchy, co-mounted ones once', () => {
  const p = plan({});
  assert.equal(p.version, 1);
  assert.deepEqual(p.dirs, [
    '/sys/fs/cgroup/systemd/berth/c1', '/sys/fs/cgroup/cpu,cpuacct/berth/c1', '/sys/fs/cgroup/memory/berth/c1',
    '/sys/fs/cgroup/cpuset/berth/c1', '/sys/fs/cgroup/devices/berth/c1', '/sys/fs/cgroup/freezer/berth/c1',
    '/sys/fs/cgroup/blkio/berth/c1', '/sys/fs/cgroup/pids/berth/c1', '/sys/fs/cgroup/net_cls,net_prio/berth/c1',
    '/sys/fs/cgroup/hugetlb/berth/c1', '/sys/fs/cgroup/perf_event/berth/c1', '/sys/fs/cgroup/rdma/berth/c1',
    '/sys/fs/cgroup/misc/berth/c1',
  ]);
  assert.deepEqual(p.procs, p.dirs.map((d) => `${d}/cgroup.procs`));
  assert.deepEqual(nonDevice(p), []);
});

test('relative cgroupsPath and the default sit under the runtime\'s own cgroup per hierarchy', () => {
  const rel = plan({}, 'pod1/c1');
  assert.ok(rel.dirs.includes('/sys/fs/cgroup/memory/user.slice/user-0.slice/session-1.scope/pod1/c1'));
  assert.ok(rel.dirs.includes('/sys/fs/cgroup/cpu,cpuacct/user.slice/pod1/c1'));
  assert.ok(rel.dirs.includes('/sys/fs/cgroup/cpuset/pod1/c1'));
  const def = planCgroup({}, 'myid', host);
  assert.ok(def.dirs.includes('/sys/fs/cgroup/memory/user.slice/user-0.slice/session-1.scope/myid'));
  assert.ok(def.dirs.includes('/sys/fs/cgroup/freezer/myid'));
});

test('cgroupsPath: ".." cannot escape, systemd syntax and the root cgroup are refused', () => {
  assert.deepEqual(parseCgroupsPath('/../../a/./b/', 'x'), { absolute: true, path: '/a/b' });
  assert.deepEqual(parseCgroupsPath('../../a', 'x'), { absolute: false, path: 'a' });
  assert.deepEqual(parseCgroupsPath(undefined, 'x'), { absolute: false, path: 'x' });
  assert.deepEqual(parseCgroupsPath('', 'x'), { absolute: false, path: 'x' });
  assert.throws(() => parseCgroupsPath('system.slice:berth:c1', 'c1'), (e: Error) => e instanceof CgroupPathError && /systemd/.test(e.message) && /slice:prefix:name/.test(e.message));
  assert.throws(() => parseCgroupsPath('/', 'c1'), (e: Error) => e instanceof CgroupPathError && /root cgroup/.test(e.message));
  assert.throws(() => parseCgroupsPath('/a/..', 'c1'), CgroupPathError);
  assert.throws(() => parseCgroupsPath('a\nb', 'c1'), CgroupPathError);
});

test('memory: limit, reservation, memsw, swappiness, OOM killer, kmem.tcp; kmem skipped with a note', () => {
  const p = plan({ memory: { limit: 33554432, reservation: 16777216, swap: 67108864, swappiness: 10, disableOOMKiller: true, kernel: 1 << 20, kernelTCP: 1 << 20 } });
  const d = '/sys/fs/cgroup/memory/berth/c1';
  assert.deepEqual(nonDevice(p), [
    w(`${d}/memory.limit_in_bytes`, '33554432'),
    w(`${d}/memory.memsw.limit_in_bytes`, '67108864', true),
    w(`${d}/memory.soft_limit_in_bytes`, '16777216'),
    w(`${d}/memory.swappiness`, '10'),
    w(`${d}/memory.oom_control`, '1'),
    w(`${d}/memory.kmem.tcp.limit_in_bytes`, String(1 << 20), true),
  ]);
  assert.deepEqual(p.warnings, ['memory.kernel is deprecated and ignored']);
});

test('memory: -1 is unlimited and also lifts memsw when swap is unset; 0 means unset', () => {
  const d = '/sys/fs/cgroup/memory/berth/c1';
  assert.deepEqual(nonDevice(plan({ memory: { limit: -1 } })), [w(`${d}/memory.limit_in_bytes`, '-1'), w(`${d}/memory.memsw.limit_in_bytes`, '-1', true)]);
  assert.deepEqual(nonDevice(plan({ memory: { limit: 0, swap: 0 } })), []);
  assert.deepEqual(nonDevice(plan({ memory: { swappiness: -1 } })), []);
});

test('memory: invalid values name the field', () => {
  assert.throws(() => plan({ memory: { limit: -5 } }), (e: Error) => e instanceof CgroupConfigError && e.field === 'memory.limit' && /at least -1/.test(e.message));
  assert.throws(() => plan({ memory: { limit: 1.5 } }), /memory\.limit: must be an integer/);
  assert.throws(() => plan({ memory: { limit: 100 << 20, swap: 50 << 20 } }), (e: Error) => e instanceof CgroupConfigError && e.field === 'memory.swap');
  assert.throws(() => plan({ memory: { swappiness: 101 } }), /memory\.swappiness: must be between 0 and 100/);
});

test('cpu: rt period before runtime, shares, period before quota, burst (optional), idle', () => {
  const p = plan({ cpu: { shares: 512, quota: 50000, period: 100000, burst: 10000, realtimeRuntime: 950, realtimePeriod: 1000, idle: 0 } });
  const d = '/sys/fs/cgroup/cpu,cpuacct/berth/c1';
  assert.deepEqual(nonDevice(p), [
    w(`${d}/cpu.rt_period_us`, '1000'),
    w(`${d}/cpu.rt_runtime_us`, '950'),
    w(`${d}/cpu.shares`, '512'),
    w(`${d}/cpu.cfs_period_us`, '100000'),
    w(`${d}/cpu.cfs_quota_us`, '50000'),
    w(`${d}/cpu.cfs_burst_us`, '10000', true),
    w(`${d}/cpu.idle`, '0'),
  ]);
});

test('cpu: quota -1 is unlimited; quota/period 0 mean unset', () => {
  const d = '/sys/fs/cgroup/cpu,cpuacct/berth/c1';
  assert.deepEqual(nonDevice(plan({ cpu: { quota: -1 } })), [w(`${d}/cpu.cfs_quota_us`, '-1')]);
  assert.deepEqual(nonDevice(plan({ cpu: { quota: 0, period: 0 } })), []);
});

test('cpu: range errors (zero or huge shares, period and quota bounds, burst over quota)', () => {
  assert.throws(() => plan({ cpu: { shares: 0 } }), (e: Error) => e instanceof CgroupConfigError && e.field === 'cpu.shares' && /between 2 and 262144/.test(e.message));
  assert.throws(() => plan({ cpu: { shares: 262145 } }), /cpu\.shares/);
  assert.throws(() => plan({ cpu: { period: 999 } }), /cpu\.period: must be between 1000 and 1000000/);
  assert.throws(() => plan({ cpu: { period: 1000001 } }), /cpu\.period/);
  assert.throws(() => plan({ cpu: { quota: 500 } }), /cpu\.quota: must be -1 \(unlimited\) or at least 1000/);
  assert.throws(() => plan({ cpu: { quota: -2 } }), /cpu\.quota/);
  assert.throws(() => plan({ cpu: { quota: 20000, burst: 30000 } }), /cpu\.burst: must not exceed cpu\.quota/);
  assert.throws(() => plan({ cpu: { idle: 2 } }), /cpu\.idle/);
});

test('cpuset: cpus and mems go to the cpuset hierarchy first; list syntax is checked', () => {
  const p = plan({ cpu: { cpus: '0-1,3', mems: '0' }, memory: { limit: 1 << 25 } });
  assert.deepEqual(nonDevice(p).slice(0, 2), [w('/sys/fs/cgroup/cpuset/berth/c1/cpuset.cpus', '0-1,3'), w('/sys/fs/cgroup/cpuset/berth/c1/cpuset.mems', '0')]);
  assert.throws(() => plan({ cpu: { cpus: 'all' } }), /cpu\.cpus: must be a list/);
  assert.throws(() => plan({ cpu: { cpus: '3-1' } }), /reversed/);
  assert.throws(() => plan({ cpu: { mems: '0,,1' } }), /cpu\.mems/);
});

test('pids: positive limit, 0 or -1 → max', () => {
  const d = '/sys/fs/cgroup/pids/berth/c1';
  assert.deepEqual(nonDevice(plan({ pids: { limit: 20 } })), [w(`${d}/pids.max`, '20')]);
  assert.deepEqual(nonDevice(plan({ pids: { limit: -1 } })), [w(`${d}/pids.max`, 'max')]);
  assert.deepEqual(nonDevice(plan({ pids: { limit: 0 } })), [w(`${d}/pids.max`, 'max')]);
});

test('blkio: weights (CFQ and BFQ files, optional), per-device weights, throttles', () => {
  const p = plan({
    blockIO: {
      weight: 500, leafWeight: 300,
      weightDevice: [{ major: 8, minor: 0, weight: 600, leafWeight: 200 }],
      throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1048576 }],
      throttleWriteBpsDevice: [{ major: 8, minor: 16, rate: 2097152 }],
      throttleReadIOPSDevice: [{ major: 8, minor: 0, rate: 100 }],
      throttleWriteIOPSDevice: [{ major: 8, minor: 0, rate: 50 }],
    },
  });
  const d = '/sys/fs/cgroup/blkio/berth/c1';
  assert.deepEqual(nonDevice(p), [
    w(`${d}/blkio.weight`, '500', true), w(`${d}/blkio.bfq.weight`, '500', true),
    w(`${d}/blkio.leaf_weight`, '300', true),
    w(`${d}/blkio.weight_device`, '8:0 600', true), w(`${d}/blkio.bfq.weight_device`, '8:0 600', true),
    w(`${d}/blkio.leaf_weight_device`, '8:0 200', true),
    w(`${d}/blkio.throttle.read_bps_device`, '8:0 1048576'),
    w(`${d}/blkio.throttle.write_bps_device`, '8:16 2097152'),
    w(`${d}/blkio.throttle.read_iops_device`, '8:0 100'),
    w(`${d}/blkio.throttle.write_iops_device`, '8:0 50'),
  ]);
  assert.throws(() => plan({ blockIO: { weight: 5 } }), /blockIO\.weight: must be between 10 and 1000/);
  assert.throws(() => plan({ blockIO: { throttleReadBpsDevice: [{ major: -1, minor: 0, rate: 1 }] } }), /blockIO\.throttleReadBpsDevice\[0\]\.major/);
  assert.throws(() => plan({ blockIO: { throttleWriteIOPSDevice: [{ major: 8, minor: 0, rate: -1 }] } }), /throttleWriteIOPSDevice\[0\]\.rate/);
});

test('hugetlb, net_cls, net_prio, rdma', () => {
  const p = plan({
    hugepageLimits: [{ pageSize: '2MB', limit: 4194304 }, { pageSize: '1GB', limit: 0 }],
    network: { classID: 0x100001, priorities: [{ name: 'eth0', priority: 5 }, { name: 'lo', priority: 1 }] },
    rdma: { mlx5_0: { hcaHandles: 3, hcaObjects: 10000 } },
  });
  assert.deepEqual(nonDevice(p), [
    w('/sys/fs/cgroup/hugetlb/berth/c1/hugetlb.2MB.limit_in_bytes', '4194304'),
    w('/sys/fs/cgroup/hugetlb/berth/c1/hugetlb.2MB.rsvd.limit_in_bytes', '4194304', true),
    w('/sys/fs/cgroup/hugetlb/berth/c1/hugetlb.1GB.limit_in_bytes', '0'),
    w('/sys/fs/cgroup/hugetlb/berth/c1/hugetlb.1GB.rsvd.limit_in_bytes', '0', true),
    w('/sys/fs/cgroup/net_cls,net_prio/berth/c1/net_cls.classid', '1048577'),
    w('/sys/fs/cgroup/net_cls,net_prio/berth/c1/net_prio.ifpriomap', 'eth0 5'),
    w('/sys/fs/cgroup/net_cls,net_prio/berth/c1/net_prio.ifpriomap', 'lo 1'),
    w('/sys/fs/cgroup/rdma/berth/c1/rdma.max', 'mlx5_0 hca_handle=3 hca_object=10000'),
  ]);
  assert.throws(() => plan({ hugepageLimits: [{ pageSize: '2M', limit: 1 }] }), /hugepageLimits\[0\]\.pageSize/);
  assert.throws(() => plan({ hugepageLimits: [{ pageSize: '../x', limit: 1 }] }), /hugepageLimits\[0\]\.pageSize/);
  assert.throws(() => plan({ network: { priorities: [{ name: 'a/b', priority: 1 }] } }), /network\.priorities\[0\]\.name/);
});

test('devices: deny all, then spec rules, device nodes and defaults in order', () => {
  const p = planCgroup({
    cgroupsPath: '/berth/c1',
    resources: { devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 4, minor: -1, access: 'rw' }, { allow: false, type: 'b', major: 8, minor: 0, access: 'm' }] },
    devices: [{ type: 'c', major: 10, minor: 229, path: '/dev/fuse' }, { type: 'p', path: '/dev/fifo' }, { type: 'b', major: 7, minor: 0, path: '/dev/loop0' }],
  }, 'c1', host);
  const d = '/sys/fs/cgroup/devices/berth/c1';
  assert.deepEqual(p.writes, [
    w(`${d}/devices.deny`, 'a'),
    w(`${d}/devices.deny`, 'a'),
    w(`${d}/devices.allow`, 'c 4:* rw'),
    w(`${d}/devices.deny`, 'b 8:0 m'),
    w(`${d}/devices.allow`, 'c 10:229 rwm'),
    w(`${d}/devices.allow`, 'b 7:0 rwm'),
    ...DEFAULT_DEVICE_RULES.map((r) => w(`${d}/devices.allow`, r)),
  ]);
  const bare = planCgroup({ cgroupsPath: '/x', resources: { devices: [{ allow: true, access: 'rwm' }] } }, 'c1', host, { defaultDevices: false });
  assert.deepEqual(bare.writes.map((x) => x.value), ['a', 'a']);
  assert.equal(bare.writes[1].path, '/sys/fs/cgroup/devices/x/devices.allow');
  assert.throws(() => plan({ devices: [{ allow: true, type: 'x' as 'a' }] }), /devices\[0\]\.type/);
  assert.throws(() => plan({ devices: [{ allow: true, access: 'rwx' }] }), /devices\[0\]\.access/);
});

test('a resource whose controller is not mounted is an error naming it; unified is refused on v1', () => {
  const small = detectCgroups('32 31 0:29 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n', '3:memory:/\n');
  assert.throws(() => planCgroup({ resources: { pids: { limit: 5 } } }, 'c', small), /pids\.limit: needs the pids cgroup controller/);
  assert.throws(() => planCgroup({ resources: { hugepageLimits: [{ pageSize: '2MB', limit: 1 }] } }, 'c', small), /needs the hugetlb cgroup controller/);
  // Without a devices hierarchy the default policy is skipped with a note, not an error.
  const p = planCgroup({ resources: { memory: { limit: 1 << 20 } } }, 'c', small);
  assert.equal(p.writes.length, 1);
  assert.match(p.warnings[0], /devices cgroup is not mounted/);
  assert.throws(() => plan({ unified: { 'memory.high': '1G' } }), /unified \(cgroup v2\) keys cannot be applied on a cgroup v1 host/);
});
