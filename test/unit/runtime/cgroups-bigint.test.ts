// Resource values above 2^53 (config.json integers src/oci parses as bigints) and decimal strings
// reach the cgroup files exactly, on both versions, without a cast on the way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CgroupConfigError, detectCgroups, planCgroup, planUpdate } from '../../../src/runtime/cgroups/index.ts';
import { defaultSpec, parseSpec, renderSpec } from '../../../src/oci/index.ts';
import { hybridMountinfo, hybridSelfCgroup, v2Mountinfo, v2SelfCgroup } from './cgroups-fixtures.ts';

const v1 = detectCgroups(hybridMountinfo, hybridSelfCgroup);
const v2 = detectCgroups(v2Mountinfo, v2SelfCgroup);
const I64_MAX = '9223372036854775807';
const U64_MAX = '18446744073709551615';

/** A config.json whose resources carry integers no JavaScript number can hold. */
function bigSpec() {
  // Placeholders in the rendered JSON become digits only a bigint holds.
  const big: Record<number, string> = { 1000001: I64_MAX, 1000002: '9007199254740993', 1000003: I64_MAX, 1000004: '9007199254740995', 1000005: U64_MAX, 1000006: U64_MAX };
  const s = defaultSpec({ args: ['sh'] });
  s.linux!.resources = {
    memory: { limit: 1000001, reservation: 1000002, swap: 1000003 },
    pids: { limit: 1000004 },
    hugepageLimits: [{ pageSize: '2MB', limit: 1000005 }],
    blockIO: { throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1000006 }] },
  };
  const text = renderSpec(s).replace(/\b100000[1-6]\b/g, (m) => big[Number(m)]);
  const spec = parseSpec(text);
  assert.equal(typeof spec.linux?.resources?.memory?.limit, 'bigint', 'the fixture really holds bigints');
  return spec;
}

const value = (writes: { path: string; value: string }[], suffix: string) => writes.find((w) => w.path.endsWith(suffix))?.value;

test('v1: memory limit 2^63-1 and other 64-bit values from config.json are written exactly', () => {
  const p = planCgroup(bigSpec().linux!, 'c1', v1);
  assert.equal(value(p.writes, '/memory.limit_in_bytes'), I64_MAX);
  assert.equal(value(p.writes, '/memory.memsw.limit_in_bytes'), I64_MAX);
  assert.equal(value(p.writes, '/memory.soft_limit_in_bytes'), '9007199254740993');
  assert.equal(value(p.writes, '/pids.max'), '9007199254740995');
  assert.equal(value(p.writes, '/hugetlb.2MB.limit_in_bytes'), U64_MAX);
  assert.equal(value(p.writes, '/blkio.throttle.read_bps_device'), `8:0 ${U64_MAX}`);
});

test('v2: the same values, and memory.swap.max is swap minus limit computed exactly', () => {
  const spec = bigSpec();
  spec.linux!.resources!.memory!.swap = 2n ** 62n + 3n;
  spec.linux!.resources!.memory!.limit = 2n ** 62n;
  const p = planCgroup(spec.linux!, 'c1', v2);
  assert.equal(value(p.writes, '/memory.max'), String(2n ** 62n));
  assert.equal(value(p.writes, '/memory.swap.max'), '3');
  assert.equal(value(p.writes, '/memory.low'), '9007199254740993');
  assert.equal(value(p.writes, '/hugetlb.2MB.max'), U64_MAX);
  assert.equal(value(p.writes, '/io.max'), `8:0 rbps=${U64_MAX}`);
});

test('decimal strings (a command line\'s values) are taken exactly; junk and out-of-range values are refused naming the field', () => {
  const dirFor = () => '/cg';
  assert.deepEqual(planUpdate({ memory: { limit: I64_MAX } }, 2, dirFor).writes, [{ path: '/cg/memory.max', value: I64_MAX }]);
  assert.deepEqual(planUpdate({ memory: { limit: '-1' } }, 2, dirFor).writes.map((w) => w.value), ['max', 'max']);
  assert.deepEqual(planUpdate({ cpu: { shares: 1024n, quota: '50000', period: 100000n } }, 1, dirFor).writes.map((w) => w.value), ['1024', '100000', '50000']);
  assert.throws(() => planUpdate({ memory: { limit: '1e9' } }, 2, dirFor), (e: unknown) => e instanceof CgroupConfigError && e.field === 'memory.limit');
  assert.throws(() => planUpdate({ memory: { limit: 2n ** 63n } }, 2, dirFor), (e: unknown) => e instanceof CgroupConfigError && /9223372036854775808/.test(e.message));
  assert.throws(() => planUpdate({ cpu: { shares: 2n ** 60n } }, 1, dirFor), /cpu\.shares: must be between 2 and 262144/);
  // 0 still means "not set" whatever its type.
  assert.deepEqual(planUpdate({ memory: { limit: 0n }, cpu: { quota: '0' } }, 1, dirFor).writes, []);
});

test('device numbers as bigints or strings', () => {
  const p = planCgroup({ cgroupsPath: '/c1', resources: { devices: [{ allow: true, type: 'c', major: 10n, minor: '229', access: 'rw' }] } }, 'c1', v2);
  assert.deepEqual(p.devices?.[1], { allow: true, rule: 'c 10:229 rw' });
  assert.throws(() => planCgroup({ cgroupsPath: '/c1', resources: { devices: [{ allow: true, type: 'c', major: 2n ** 40n }] } }, 'c1', v2), /devices\[0\]\.major: must be a device number/);
});

test('update\'s flags keep 64-bit values exact from the command line to the cgroup file', async () => {
  const { parseBytes } = await import('../../../src/runtime/ops/index.ts');
  const { resourcesFromFlags } = await import('../../../src/cli/runtime/update.ts');
  assert.equal(parseBytes('--memory', '512m'), 512 * 1024 * 1024);
  assert.equal(parseBytes('--memory', '1.5k'), 1536);
  assert.equal(parseBytes('--memory', '-1'), -1);
  assert.equal(parseBytes('--memory', I64_MAX), I64_MAX, 'digits, not a rounded number');
  assert.equal(parseBytes('--memory', '8191p'), String(8191n * 1024n ** 5n));
  const flags: Record<string, string> = { memory: I64_MAX, 'pids-limit': '9007199254740993', 'cpu-share': '512' };
  const r = resourcesFromFlags((f) => flags[f]);
  assert.deepEqual(r, { memory: { limit: I64_MAX }, cpu: { shares: 512 }, pids: { limit: '9007199254740993' } });
  const values = planUpdate(r, 1, () => '/cg').writes.map((w) => `${w.path.slice(4)}=${w.value}`);
  assert.deepEqual(values.sort(), ['cpu.shares=512', `memory.limit_in_bytes=${I64_MAX}`, 'pids.max=9007199254740993']);
});
