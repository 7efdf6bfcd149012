import { test } from 'node:test';
import assert from 'node:assert/strict';
import { blkioToIoWeight, CgroupConfigError, detectCgroups, planCgroup, sharesToWeight, swapToV2, V2_CONTROLLERS } from '../../../src/runtime/cgroups/index.ts';
import type { PlannedCgroup } from '../../../src/runtime/cgroups/index.ts';
import type { Resources } from '../../../src/oci/spec.ts';
import { v2Mountinfo, v2SelfCgroup } from './cgroups-fixtures.ts';

const host = detectCgroups(v2Mountinfo, v2SelfCgroup);
const D = '/sys/fs/cgroup/berth/c1';
const plan = (resources: Resources, cgroupsPath = '/berth/c1'): PlannedCgroup => planCgroup({ cgroupsPath, resources }, 'c1', host);
/** Writes other than the subtree_control delegation. */
const own = (p: PlannedCgroup) => p.writes.filter((w) => !w.path.endsWith('cgroup.subtree_control'));
const w = (file: string, value: string, optional?: boolean) => (optional ? { path: `${D}/${file}`, value, optional } : { path: `${D}/${file}`, value });

test('one directory; controllers delegated top-down in every ancestor, each optional', () => {
  const p = plan({});
  assert.equal(p.version, 2);
  assert.deepEqual(p.dirs, [D]);
  assert.deepEqual(p.procs, [`${D}/cgroup.procs`]);
  const expected = ['/sys/fs/cgroup', '/sys/fs/cgroup/berth'].flatMap((a) => V2_CONTROLLERS.map((c) => ({ path: `${a}/cgroup.subtree_control`, value: `+${c}`, optional: true })));
  assert.deepEqual(p.writes, expected);
});

test('relative path and default id go under the parent of the runtime\'s own cgroup (runc\'s v2 rule)', () => {
  assert.deepEqual(plan({}, 'x').dirs, ['/sys/fs/cgroup/user.slice/user-1000.slice/x']);
  assert.deepEqual(planCgroup({}, 'id7', host).dirs, ['/sys/fs/cgroup/user.slice/user-1000.slice/id7']);
  const anc = planCgroup({}, 'id7', host).writes.filter((x) => x.value === '+memory').map((x) => x.path);
  assert.deepEqual(anc, [
    '/sys/fs/cgroup/cgroup.subtree_control', '/sys/fs/cgroup/user.slice/cgroup.subtree_control',
    '/sys/fs/cgroup/user.slice/user-1000.slice/cgroup.subtree_control',
  ]);
  // At the root, the parent of "/" is "/".
  const atRoot = detectCgroups(v2Mountinfo, '0::/\n');
  assert.deepEqual(planCgroup({}, 'id7', atRoot).dirs, ['/sys/fs/cgroup/id7']);
});

test('memory: max, low, swap.max as swap minus memory; notes for what v2 lacks', () => {
  const p = plan({ memory: { limit: 100 << 20, reservation: 50 << 20, swap: 300 << 20, swappiness: 20, disableOOMKiller: true, kernel: 5 } });
  assert.deepEqual(own(p), [w('memory.max', String(100 << 20)), w('memory.swap.max', String(200 << 20), true), w('memory.low', String(50 << 20))]);
  assert.deepEqual(p.warnings, [
    'memory.swappiness has no cgroup v2 equivalent and is ignored',
    'memory.disableOOMKiller has no cgroup v2 equivalent and is ignored',
    'memory.kernel is deprecated and ignored',
  ]);
  assert.deepEqual(own(plan({ memory: { limit: -1 } })), [w('memory.max', 'max'), w('memory.swap.max', 'max', true)]);
  assert.deepEqual(own(plan({ memory: { limit: 1 << 30, swap: -1 } })), [w('memory.max', String(1 << 30)), w('memory.swap.max', 'max', true)]);
  assert.deepEqual(own(plan({ memory: { limit: 1 << 30, swap: 1 << 30 } })), [w('memory.max', String(1 << 30)), w('memory.swap.max', '0', true)]);
});

test('swap conversion follows runc', () => {
  assert.equal(swapToV2(undefined, -1n), -1n);
  assert.equal(swapToV2(undefined, 100n), undefined);
  assert.equal(swapToV2(-1n, 100n), -1n);
  assert.equal(swapToV2(300n, 100n), 200n);
  assert.throws(() => swapToV2(300n, undefined), /swap limit needs a memory\.limit/);
  assert.throws(() => swapToV2(300n, -1n), CgroupConfigError);
  assert.throws(() => plan({ memory: { limit: 300, swap: 100 } }), /memory\.swap: memory\+swap limit must be at least memory\.limit/);
});

test('cpu: weight from shares, cpu.max forms, burst, idle, cpuset', () => {
  const p = plan({ cpu: { shares: 1024, quota: 50000, period: 100000, burst: 1000, idle: 1, cpus: '0-1', mems: '0' } });
  assert.deepEqual(own(p), [
    w('cpu.weight', '39'), w('cpu.max', '50000 100000'), w('cpu.max.burst', '1000', true), w('cpu.idle', '1'),
    w('cpuset.cpus', '0-1'), w('cpuset.mems', '0'),
  ]);
  assert.deepEqual(own(plan({ cpu: { quota: -1 } })), [w('cpu.max', 'max')]);
  assert.deepEqual(own(plan({ cpu: { period: 20000 } })), [w('cpu.max', 'max 20000')]);
  assert.deepEqual(own(plan({ cpu: { quota: 30000 } })), [w('cpu.max', '30000')]);
  assert.throws(() => plan({ cpu: { realtimeRuntime: 100 } }), /realtime scheduling limits are not supported on cgroup v2/);
  assert.throws(() => plan({ cpu: { shares: 0 } }), /cpu\.shares/);
});

test('shares → weight: runc\'s linear mapping at the ends and the middle', () => {
  assert.equal(sharesToWeight(2), 1);
  assert.equal(sharesToWeight(1024), 39);
  assert.equal(sharesToWeight(262144), 10000);
  assert.equal(sharesToWeight(512), 1 + Math.floor((510 * 9999) / 262142));
  assert.equal(blkioToIoWeight(10), 1);
  assert.equal(blkioToIoWeight(1000), 10000);
  assert.equal(blkioToIoWeight(500), 1 + Math.floor((490 * 9999) / 990));
});

test('pids, io, hugetlb, rdma', () => {
  const p = plan({
    pids: { limit: 20 },
    blockIO: {
      weight: 500, leafWeight: 100,
      weightDevice: [{ major: 8, minor: 0, weight: 100 }],
      throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1000 }],
      throttleWriteIOPSDevice: [{ major: 8, minor: 0, rate: 20 }],
      throttleWriteBpsDevice: [{ major: 8, minor: 16, rate: 5 }],
    },
    hugepageLimits: [{ pageSize: '2MB', limit: 2097152 }],
    rdma: { mlx4_0: { hcaObjects: 7 } },
  });
  assert.deepEqual(own(p), [
    w('pids.max', '20'),
    w('io.bfq.weight', '500', true), w('io.weight', `default ${blkioToIoWeight(500)}`, true),
    w('io.bfq.weight', '8:0 100', true), w('io.weight', `8:0 ${blkioToIoWeight(100)}`, true),
    w('io.max', '8:0 rbps=1000 wiops=20'), w('io.max', '8:16 wbps=5'),
    w('hugetlb.2MB.max', '2097152'), w('hugetlb.2MB.rsvd.max', '2097152', true),
    w('rdma.max', 'mlx4_0 hca_object=7'),
  ]);
  assert.deepEqual(p.warnings, ['blockIO leafWeight has no cgroup v2 equivalent and is ignored']);
  assert.deepEqual(own(plan({ pids: { limit: -1 } })), [w('pids.max', 'max')]);
});

test('unified keys are written last, as given, and validated', () => {
  const p = plan({ memory: { limit: 1 << 20 }, unified: { 'memory.high': '524288', 'io.latency': '8:0 target=10', 'cgroup.freeze': '0' } });
  assert.deepEqual(own(p).slice(1), [w('memory.high', '524288'), w('io.latency', '8:0 target=10'), w('cgroup.freeze', '0')]);
  for (const bad of ['../memory.max', 'a/b', '..', '.', '', 'memory max', 'nodot']) {
    assert.throws(() => plan({ unified: { [bad]: '1' } }), (e: Error) => e instanceof CgroupConfigError && /unified\[/.test(e.message), bad);
  }
  assert.throws(() => plan({ unified: { 'cgroup.procs': '1' } }), /cgroup core files/);
  assert.throws(() => plan({ unified: { 'memory.max': 5 as unknown as string } }), /value must be a string/);
});

test('device rules become the ordered list for the eBPF program (no files, no warning); net_cls/net_prio are noted as ignored', () => {
  const p = plan({ devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 10, minor: 229, access: 'rw' }], network: { classID: 1 } });
  assert.deepEqual(own(p), []);
  assert.equal(p.warnings.length, 1);
  assert.match(p.warnings[0], /net_cls/);
  assert.deepEqual(p.devices?.slice(0, 4), [
    { allow: false, rule: 'a' }, { allow: false, rule: 'a' }, { allow: true, rule: 'c 10:229 rw' }, { allow: true, rule: 'c *:* m' },
  ]);
  assert.equal(p.devices?.length, 3 + 11, 'deny-all, the two spec rules, the eleven defaults');
  // The container's device nodes are allowed after the spec rules, before the defaults.
  const withNode = planCgroup({ cgroupsPath: '/berth/c1', devices: [{ path: '/dev/fuse', type: 'c', major: 10, minor: 229 }] }, 'c1', host);
  assert.deepEqual(withNode.devices?.slice(0, 2), [{ allow: false, rule: 'a' }, { allow: true, rule: 'c 10:229 rwm' }]);
  assert.throws(() => plan({ devices: [{ allow: true, type: 'x' as 'a' }] }), CgroupConfigError);
});

test('systemd-style paths are refused on v2 as well', () => {
  assert.throws(() => planCgroup({ cgroupsPath: 'user.slice:berth:c1' }, 'c1', host), /systemd/);
});

test('planUpdate: same mapping without device rules or delegation', async () => {
  const { planUpdate } = await import('../../../src/runtime/cgroups/index.ts');
  const u2 = planUpdate({ memory: { limit: 1 << 20 }, pids: { limit: 9 }, devices: [{ allow: false }] }, 2, () => D);
  assert.deepEqual(u2.writes, [w('memory.max', String(1 << 20)), w('pids.max', '9')]);
  assert.deepEqual(u2.warnings, []);
  const dirs: Record<string, string> = { memory: '/m', pids: '/p' };
  const u1 = planUpdate({ memory: { limit: 1 << 20 }, pids: { limit: 9 }, devices: [{ allow: false }] }, 1, (c) => dirs[c]);
  assert.deepEqual(u1.writes, [{ path: '/m/memory.limit_in_bytes', value: String(1 << 20) }, { path: '/p/pids.max', value: '9' }]);
  assert.throws(() => planUpdate({ cpu: { shares: 512 } }, 1, (c) => dirs[c]), /needs the cpu cgroup controller/);
});
