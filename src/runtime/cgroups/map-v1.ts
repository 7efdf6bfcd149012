// linux.resources → cgroup v1 file writes. Pure: `list` knows the directory of each controller.
import { CgroupConfigError } from './errors.ts';
import { deviceRules } from './devices.ts';
import { bigInt, cpuListValue, devNum, isSet, hugepageSize, I64_MIN, int, limit, U64_MAX } from './validate.ts';
import type { I64, BlockIoResources, CpuResources, MemoryResources, Resources } from '../../oci/spec.ts';
import type { MapOptions, WriteList } from './write.ts';

export const SHARES_MIN = 2;
export const SHARES_MAX = 262144;
export const PERIOD_MIN = 1000;
export const PERIOD_MAX = 1000000;
export const QUOTA_MIN = 1000;

export function mapV1(r: Resources, list: WriteList, opts: MapOptions): void {
  if (r.cpu) cpusetV1(r.cpu, list);
  if (opts.devices) devicesV1(r, list, opts);
  if (r.memory) memoryV1(r.memory, list);
  if (r.cpu) cpuV1(r.cpu, list);
  if (r.pids) pidsAny(r.pids, list, 'pids');
  if (r.blockIO) blkioV1(r.blockIO, list);
  for (const [i, h] of (r.hugepageLimits ?? []).entries()) {
    const size = hugepageSize(`hugepageLimits[${i}].pageSize`, h.pageSize);
    const v = bigInt(`hugepageLimits[${i}].limit`, h.limit, 0n, U64_MAX);
    const dir = list.dir('hugetlb', `hugepageLimits[${i}]`, h);
    list.add(dir, `hugetlb.${size}.limit_in_bytes`, v);
    // Reservation accounting (kernel 5.7+) is kept in step when the kernel has it.
    list.add(dir, `hugetlb.${size}.rsvd.limit_in_bytes`, v, true);
  }
  if (r.network?.classID !== undefined) {
    const id = int('network.classID', r.network.classID, 0, 0xffffffff);
    list.add(list.dir('net_cls', 'network.classID', id), 'net_cls.classid', id);
  }
  for (const [i, p] of (r.network?.priorities ?? []).entries()) {
    if (typeof p.name !== 'string' || !/^[^\s/]+$/.test(p.name)) throw new CgroupConfigError(`network.priorities[${i}].name`, p.name, 'must be an interface name');
    const prio = int(`network.priorities[${i}].priority`, p.priority, 0, 0xffffffff);
    list.add(list.dir('net_prio', `network.priorities[${i}]`, p), 'net_prio.ifpriomap', `${p.name} ${prio}`);
  }
  rdmaAny(r, list);
  if (r.unified && Object.keys(r.unified).length > 0) {
    throw new CgroupConfigError('unified', r.unified, 'unified (cgroup v2) keys cannot be applied on a cgroup v1 host');
  }
}

function cpusetV1(c: CpuResources, list: WriteList): void {
  if (c.cpus !== undefined && c.cpus !== '') list.add(list.dir('cpuset', 'cpu.cpus', c.cpus), 'cpuset.cpus', cpuListValue('cpu.cpus', c.cpus));
  if (c.mems !== undefined && c.mems !== '') list.add(list.dir('cpuset', 'cpu.mems', c.mems), 'cpuset.mems', cpuListValue('cpu.mems', c.mems));
}

function devicesV1(r: Resources, list: WriteList, opts: MapOptions): void {
  const rules = deviceRules(r.devices, opts.deviceNodes, opts.defaultDevices ?? true);
  // Hosts without a devices hierarchy (some rootless setups) simply get no device policy.
  let dir: string;
  try { dir = list.dir('devices', 'devices', r.devices); } catch (e) {
    if (r.devices?.length) throw e;
    list.warn('the devices cgroup is not mounted: device access is not restricted');
    return;
  }
  // Start from "deny everything", then replay the rules in order (runc's v1 behaviour).
  list.add(dir, 'devices.deny', 'a');
  for (const d of rules) list.add(dir, d.allow ? 'devices.allow' : 'devices.deny', d.rule);
}

export function checkMemory(m: MemoryResources): { lim?: bigint; res?: bigint; swap?: bigint } {
  const lim = limit('memory.limit', m.limit);
  const res = limit('memory.reservation', m.reservation);
  const swap = limit('memory.swap', m.swap);
  if (lim !== undefined && lim > 0n && swap !== undefined && swap > 0n && swap < lim) {
    throw new CgroupConfigError('memory.swap', m.swap, `memory+swap limit must be at least memory.limit (${lim})`);
  }
  return { lim, res, swap };
}

function memoryV1(m: MemoryResources, list: WriteList): void {
  const { lim, res, swap } = checkMemory(m);
  const need = () => list.dir('memory', 'memory', m);
  // Order: limit before memsw, which is right for a new cgroup (both start unlimited); when an
  // update lowers memsw below the current limit the kernel says EINVAL and applyWrites retries
  // it after the rest, which is the order the kernel needs in that case.
  if (lim !== undefined) list.add(need(), 'memory.limit_in_bytes', lim);
  if (swap !== undefined) list.add(need(), 'memory.memsw.limit_in_bytes', swap, true);
  else if (lim === -1n) list.add(need(), 'memory.memsw.limit_in_bytes', -1, true);
  if (res !== undefined) list.add(need(), 'memory.soft_limit_in_bytes', res);
  if (isSet(m.swappiness, -1)) {
    list.add(need(), 'memory.swappiness', int('memory.swappiness', m.swappiness, 0, 100));
  }
  if (m.disableOOMKiller) list.add(need(), 'memory.oom_control', 1);
  if (m.kernel !== undefined) list.warn('memory.kernel is deprecated and ignored');
  // The TCP buffer limit still works on v1 (memory.kmem.tcp.limit_in_bytes); kernels without
  // the file skip it. memory.kernel cannot be honoured: since Linux 5.16 the kernel accepts
  // memory.kmem.limit_in_bytes and ignores it.
  const tcp = limit('memory.kernelTCP', m.kernelTCP);
  if (tcp !== undefined) list.add(need(), 'memory.kmem.tcp.limit_in_bytes', tcp, true);
  if (m.useHierarchy === false) list.warn('memory.useHierarchy=false is ignored (always hierarchical on current kernels)');
}

/** Checks the cpu numbers shared by both versions. 0 quota/period mean "not set" (runc). */
export function checkCpu(c: CpuResources): { shares?: number; quota?: number; period?: number; burst?: number } {
  const shares = !isSet(c.shares) ? undefined : int('cpu.shares', c.shares, SHARES_MIN, SHARES_MAX);
  let quota: number | undefined;
  if (isSet(c.quota, 0)) {
    quota = int('cpu.quota', c.quota, -1);
    if (quota !== -1 && quota < QUOTA_MIN) throw new CgroupConfigError('cpu.quota', c.quota, `must be -1 (unlimited) or at least ${QUOTA_MIN} microseconds`);
  }
  const period = !isSet(c.period, 0) ? undefined : int('cpu.period', c.period, PERIOD_MIN, PERIOD_MAX);
  const burst = !isSet(c.burst) ? undefined : int('cpu.burst', c.burst, 0);
  if (burst !== undefined && burst > 0 && quota !== undefined && quota > 0 && burst > quota) {
    throw new CgroupConfigError('cpu.burst', c.burst, `must not exceed cpu.quota (${quota})`);
  }
  return { shares, quota, period, burst };
}

function cpuV1(c: CpuResources, list: WriteList): void {
  const { shares, quota, period, burst } = checkCpu(c);
  const need = () => list.dir('cpu', 'cpu', c);
  // Realtime: period before runtime, so the runtime fits the new period.
  if (isSet(c.realtimePeriod, 0)) {
    list.add(need(), 'cpu.rt_period_us', int('cpu.realtimePeriod', c.realtimePeriod, 1));
  }
  if (isSet(c.realtimeRuntime, 0)) {
    list.add(need(), 'cpu.rt_runtime_us', int('cpu.realtimeRuntime', c.realtimeRuntime, -1));
  }
  if (shares !== undefined) list.add(need(), 'cpu.shares', shares);
  if (period !== undefined) list.add(need(), 'cpu.cfs_period_us', period);
  if (quota !== undefined) list.add(need(), 'cpu.cfs_quota_us', quota);
  // Older kernels have no burst knob: skip quietly, as runc does.
  if (burst !== undefined) list.add(need(), 'cpu.cfs_burst_us', burst, true);
  if (c.idle !== undefined && c.idle !== null) list.add(need(), 'cpu.idle', int('cpu.idle', c.idle, 0, 1));
}

export function pidsAny(p: { limit: I64 }, list: WriteList, controller: string): void {
  const n = bigInt('pids.limit', p.limit, I64_MIN);
  list.add(list.dir(controller, 'pids.limit', p.limit), 'pids.max', n > 0n ? n : 'max');
}

export const BLKIO_WEIGHT_MIN = 10;
export const BLKIO_WEIGHT_MAX = 1000;

function weight(field: string, v: I64 | undefined): number | undefined {
  if (!isSet(v, 0)) return undefined;
  return int(field, v, BLKIO_WEIGHT_MIN, BLKIO_WEIGHT_MAX);
}

export const THROTTLES = [
  ['throttleReadBpsDevice', 'read_bps_device', 'rbps'],
  ['throttleWriteBpsDevice', 'write_bps_device', 'wbps'],
  ['throttleReadIOPSDevice', 'read_iops_device', 'riops'],
  ['throttleWriteIOPSDevice', 'write_iops_device', 'wiops'],
] as const;

export function checkBlkio(b: BlockIoResources): {
  w?: number; lw?: number;
  devs: { dev: string; w?: number; lw?: number }[];
  throttles: { key: (typeof THROTTLES)[number]; dev: string; rate: bigint }[];
} {
  const w = weight('blockIO.weight', b.weight);
  const lw = weight('blockIO.leafWeight', b.leafWeight);
  const devs = (b.weightDevice ?? []).map((d, i) => ({
    dev: `${devNum(`blockIO.weightDevice[${i}].major`, d.major)}:${devNum(`blockIO.weightDevice[${i}].minor`, d.minor)}`,
    w: weight(`blockIO.weightDevice[${i}].weight`, d.weight),
    lw: weight(`blockIO.weightDevice[${i}].leafWeight`, d.leafWeight),
  }));
  const throttles = THROTTLES.flatMap((key) => (b[key[0]] ?? []).map((d, i) => ({
    key,
    dev: `${devNum(`blockIO.${key[0]}[${i}].major`, d.major)}:${devNum(`blockIO.${key[0]}[${i}].minor`, d.minor)}`,
    rate: bigInt(`blockIO.${key[0]}[${i}].rate`, d.rate, 0n, U64_MAX),
  })));
  return { w, lw, devs, throttles };
}

function blkioV1(b: BlockIoResources, list: WriteList): void {
  const { w, lw, devs, throttles } = checkBlkio(b);
  const need = () => list.dir('blkio', 'blockIO', b);
  // CFQ kernels have blkio.weight, BFQ kernels blkio.bfq.weight; which one exists is only
  // known at apply time, so both are optional.
  if (w !== undefined) {
    list.add(need(), 'blkio.weight', w, true);
    list.add(need(), 'blkio.bfq.weight', w, true);
  }
  if (lw !== undefined) list.add(need(), 'blkio.leaf_weight', lw, true);
  for (const d of devs) {
    if (d.w !== undefined) {
      list.add(need(), 'blkio.weight_device', `${d.dev} ${d.w}`, true);
      list.add(need(), 'blkio.bfq.weight_device', `${d.dev} ${d.w}`, true);
    }
    if (d.lw !== undefined) list.add(need(), 'blkio.leaf_weight_device', `${d.dev} ${d.lw}`, true);
  }
  for (const t of throttles) list.add(need(), `blkio.throttle.${t.key[1]}`, `${t.dev} ${t.rate}`);
}

export function rdmaAny(r: Resources, list: WriteList): void {
  for (const [dev, l] of Object.entries(r.rdma ?? {})) {
    if (!/^[^\s/]+$/.test(dev)) throw new CgroupConfigError(`rdma[${JSON.stringify(dev)}]`, dev, 'must be an RDMA device name');
    const parts: string[] = [];
    if (l.hcaHandles !== undefined && l.hcaHandles !== null) parts.push(`hca_handle=${int(`rdma.${dev}.hcaHandles`, l.hcaHandles, 0)}`);
    if (l.hcaObjects !== undefined && l.hcaObjects !== null) parts.push(`hca_object=${int(`rdma.${dev}.hcaObjects`, l.hcaObjects, 0)}`);
    if (parts.length) list.add(list.dir('rdma', `rdma.${dev}`, l), 'rdma.max', `${dev} ${parts.join(' ')}`);
  }
}
