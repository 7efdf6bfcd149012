// linux.resources → cgroup v2 file writes, with runc's conversions from the v1-shaped spec.
import { CgroupConfigError } from './errors.ts';
import { checkBlkio, checkCpu, checkMemory, pidsAny, rdmaAny, SHARES_MAX, SHARES_MIN } from './map-v1.ts';
import { bigInt, cpuListValue, isSet, hugepageSize, int, U64_MAX, unifiedKey, unifiedValue } from './validate.ts';
import type { Resources } from '../../oci/spec.ts';
import type { MapOptions, WriteList } from './write.ts';

/** cpu.shares [2, 262144] → cpu.weight [1, 10000], runc's linear mapping (1024 → 39). */
export function sharesToWeight(shares: number): number {
  if (shares <= SHARES_MIN) return 1;
  if (shares >= SHARES_MAX) return 10000;
  return 1 + Math.floor(((shares - 2) * 9999) / 262142);
}

/** blkio weight [10, 1000] → io.weight [1, 10000], as runc converts it. */
export function blkioToIoWeight(w: number): number {
  return 1 + Math.floor(((w - 10) * 9999) / 990);
}

/**
 * The spec's memory.swap is memory+swap (v1 memsw); v2's memory.swap.max is swap alone.
 * Returns undefined for "leave alone", -1 for "max".
 */
export function swapToV2(swap: bigint | undefined, lim: bigint | undefined): bigint | undefined {
  if (lim === -1n && swap === undefined) return -1n;
  if (swap === undefined || swap === -1n) return swap;
  if (lim === undefined || lim === -1n) throw new CgroupConfigError('memory.swap', swap, 'a swap limit needs a memory.limit on cgroup v2');
  return swap - lim;
}

const max = (n: bigint) => (n === -1n ? 'max' : String(n));

export function mapV2(r: Resources, list: WriteList, opts: MapOptions): void {
  // A v2 WriteList answers the one directory for every controller.
  const dir = (field: string, v: unknown) => list.dir('', field, v);
  if (r.memory) {
    const m = r.memory;
    const { lim, res, swap } = checkMemory(m);
    const s = swapToV2(swap, lim);
    if (lim !== undefined) list.add(dir('memory.limit', m.limit), 'memory.max', max(lim));
    // Kernels without swap accounting have no memory.swap.max.
    if (s !== undefined) list.add(dir('memory.swap', m.swap), 'memory.swap.max', max(s), true);
    if (res !== undefined) list.add(dir('memory.reservation', m.reservation), 'memory.low', max(res));
    if (isSet(m.swappiness, -1)) {
      int('memory.swappiness', m.swappiness, 0, 100);
      list.warn('memory.swappiness has no cgroup v2 equivalent and is ignored');
    }
    if (m.disableOOMKiller) list.warn('memory.disableOOMKiller has no cgroup v2 equivalent and is ignored');
    if (m.kernel !== undefined) list.warn('memory.kernel is deprecated and ignored');
    if (m.kernelTCP !== undefined) list.warn('memory.kernelTCP is deprecated and ignored');
  }
  if (r.cpu) {
    const c = r.cpu;
    const { shares, quota, period, burst } = checkCpu(c);
    if (isSet(c.realtimeRuntime, 0) || isSet(c.realtimePeriod, 0)) {
      throw new CgroupConfigError('cpu.realtimeRuntime', c.realtimeRuntime ?? c.realtimePeriod, 'realtime scheduling limits are not supported on cgroup v2');
    }
    if (shares !== undefined) list.add(dir('cpu.shares', shares), 'cpu.weight', sharesToWeight(shares));
    if (quota !== undefined || period !== undefined) {
      // "max" keeps the quota unlimited; a lone period changes only the period.
      const q = quota !== undefined && quota > 0 ? String(quota) : 'max';
      list.add(dir('cpu.quota', c.quota), 'cpu.max', period !== undefined ? `${q} ${period}` : q);
    }
    if (burst !== undefined) list.add(dir('cpu.burst', burst), 'cpu.max.burst', burst, true);
    if (c.idle !== undefined && c.idle !== null) list.add(dir('cpu.idle', c.idle), 'cpu.idle', int('cpu.idle', c.idle, 0, 1));
    if (c.cpus !== undefined && c.cpus !== '') list.add(dir('cpu.cpus', c.cpus), 'cpuset.cpus', cpuListValue('cpu.cpus', c.cpus));
    if (c.mems !== undefined && c.mems !== '') list.add(dir('cpu.mems', c.mems), 'cpuset.mems', cpuListValue('cpu.mems', c.mems));
  }
  if (r.pids) pidsAny(r.pids, list, 'pids');
  if (r.blockIO) {
    const { w, lw, devs, throttles } = checkBlkio(r.blockIO);
    const d = dir('blockIO', r.blockIO);
    // BFQ takes the v1 range as is; io.weight (iocost) uses 1..10000. Either may be missing.
    if (w !== undefined) {
      list.add(d, 'io.bfq.weight', w, true);
      list.add(d, 'io.weight', `default ${blkioToIoWeight(w)}`, true);
    }
    for (const dev of devs) {
      if (dev.w === undefined) continue;
      list.add(d, 'io.bfq.weight', `${dev.dev} ${dev.w}`, true);
      list.add(d, 'io.weight', `${dev.dev} ${blkioToIoWeight(dev.w)}`, true);
    }
    if (lw !== undefined || devs.some((x) => x.lw !== undefined)) list.warn('blockIO leafWeight has no cgroup v2 equivalent and is ignored');
    // One io.max line per device carrying every limit for it.
    const perDev = new Map<string, string[]>();
    for (const t of throttles) perDev.set(t.dev, [...(perDev.get(t.dev) ?? []), `${t.key[2]}=${t.rate}`]);
    for (const [dev, kv] of perDev) list.add(d, 'io.max', `${dev} ${kv.join(' ')}`);
  }
  for (const [i, h] of (r.hugepageLimits ?? []).entries()) {
    const size = hugepageSize(`hugepageLimits[${i}].pageSize`, h.pageSize);
    const v = bigInt(`hugepageLimits[${i}].limit`, h.limit, 0n, U64_MAX);
    list.add(dir(`hugepageLimits[${i}]`, h), `hugetlb.${size}.max`, v);
    list.add(dir(`hugepageLimits[${i}]`, h), `hugetlb.${size}.rsvd.max`, v, true);
  }
  if (r.network && (r.network.classID !== undefined || (r.network.priorities ?? []).length > 0)) {
    list.warn('network classID/priorities (net_cls, net_prio) do not exist on cgroup v2 and are ignored');
  }
  rdmaAny(r, list);
  // Device rules are not files on v2: planCgroup lists them for the eBPF program (plan.devices).
  // Unified keys go last so they override anything mapped above.
  for (const [k, v] of Object.entries(r.unified ?? {})) list.add(dir('unified', r.unified), unifiedKey(k), unifiedValue(k, v));
}
