// Reading a container cgroup: its processes and the numbers `events --stats` / docker stats need.
import { readdirSync } from 'node:fs';
import { posix } from 'node:path';
import { CgroupFsError } from './errors.ts';
import { controllerDirs } from './apply.ts';
import { errno, readOpt } from './fsops.ts';
import type { CgroupPlan } from '../plan.ts';
import type { BlkioEntry, CgroupStats } from './types.ts';

/** Every pid in the cgroups and their sub-cgroups, ascending, without duplicates. */
export function cgroupPids(x: CgroupPlan | string[]): number[] {
  const pids = new Set<number>();
  const walk = (dir: string): void => {
    const procs = readOpt(posix.join(dir, 'cgroup.procs'));
    if (procs === undefined) return;
    for (const l of procs.split('\n')) if (l) pids.add(Number(l));
    let entries;
    try { entries = readdirSync(dir, { withFileTypes: true }); } catch (e) {
      if (errno(e) === 'ENOENT') return;
      throw new CgroupFsError('readdir', dir, e);
    }
    for (const e of entries) if (e.isDirectory()) walk(posix.join(dir, e.name));
  };
  for (const d of Array.isArray(x) ? x : x.dirs) walk(d);
  return [...pids].sort((a, b) => a - b);
}

/** "key value" lines as numbers. */
export function parseFlatKeyed(text: string | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of (text ?? '').split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined && /^-?\d+$/.test(v)) out[k] = Number(v);
  }
  return out;
}

/** v1 blkio "8:0 Read 4096" lines (the "Total" summary line is dropped). */
export function parseBlkioV1(text: string | undefined): BlkioEntry[] {
  const out: BlkioEntry[] = [];
  for (const line of (text ?? '').split('\n')) {
    const m = /^(\d+):(\d+) (\w+) (\d+)$/.exec(line.trim());
    if (m) out.push({ major: Number(m[1]), minor: Number(m[2]), op: m[3], value: Number(m[4]) });
  }
  return out;
}

/** v2 io.stat "8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0" → v1-shaped entries. */
export function parseIoStat(text: string | undefined): { bytes: BlkioEntry[]; ios: BlkioEntry[] } {
  const bytes: BlkioEntry[] = [];
  const ios: BlkioEntry[] = [];
  const ops: Record<string, [BlkioEntry[], string]> = {
    rbytes: [bytes, 'Read'], wbytes: [bytes, 'Write'], dbytes: [bytes, 'Discard'],
    rios: [ios, 'Read'], wios: [ios, 'Write'], dios: [ios, 'Discard'],
  };
  for (const line of (text ?? '').split('\n')) {
    const [dev, ...kvs] = line.trim().split(/\s+/);
    const m = /^(\d+):(\d+)$/.exec(dev ?? '');
    if (!m) continue;
    for (const kv of kvs) {
      const [k, v] = kv.split('=');
      const o = ops[k];
      if (o && v !== undefined) o[0].push({ major: Number(m[1]), minor: Number(m[2]), op: o[1], value: Number(v) });
    }
  }
  return { bytes, ios };
}

const num = (s: string | undefined): number => (s !== undefined && /^\d+$/.test(s) ? Number(s) : 0);
/** A limit as a number, 0 meaning unlimited ("max" on v2, the page-rounded 2^63 on v1). */
const lim = (s: string | undefined): number => {
  const n = num(s);
  return n >= 2 ** 62 ? 0 : n;
};

function emptyStats(): CgroupStats {
  const entry = () => ({ usage: 0, max: 0, limit: 0, failcnt: 0 });
  return {
    cpu: { usage: { total: 0, percpu: [], kernel: 0, user: 0 }, throttling: { periods: 0, throttledPeriods: 0, throttledTime: 0 } },
    memory: { cache: 0, usage: entry(), swap: entry(), raw: {}, oomKill: 0 },
    pids: { current: 0, limit: 0 },
    blkio: { ioServiceBytesRecursive: [], ioServicedRecursive: [] },
    hugetlb: {},
  };
}

/** Hugepage sizes that have files in `dir`, e.g. "2MB". */
function hugeSizes(dir: string | undefined): string[] {
  if (!dir) return [];
  try {
    return [...new Set(readdirSync(dir).map((n) => /^hugetlb\.(\d+[KMG]B)\./.exec(n)?.[1]).filter((s): s is string => !!s))];
  } catch { return []; }
}

/**
 * Usage numbers for a container cgroup. CPU times are nanoseconds; memory and I/O in bytes;
 * limits of 0 mean "no limit". swap.usage is memory+swap (v1 memsw semantics on both versions).
 * Controllers that are missing leave their section at zero.
 */
export function cgroupStats(x: CgroupPlan | string[], version?: 1 | 2): CgroupStats {
  const dirOf = controllerDirs(x, version);
  const v = version ?? (Array.isArray(x) ? (readOpt(posix.join(x[0] ?? '/nonexistent', 'cgroup.controllers')) !== undefined ? 2 : 1) : x.version);
  const s = emptyStats();
  const rd = (c: string, f: string): string | undefined => {
    const d = dirOf(c);
    return d === undefined ? undefined : readOpt(posix.join(d, f));
  };
  if (v === 1) {
    s.cpu.usage.total = num(rd('cpuacct', 'cpuacct.usage'));
    s.cpu.usage.user = num(rd('cpuacct', 'cpuacct.usage_user'));
    s.cpu.usage.kernel = num(rd('cpuacct', 'cpuacct.usage_sys'));
    s.cpu.usage.percpu = (rd('cpuacct', 'cpuacct.usage_percpu') ?? '').split(/\s+/).filter(Boolean).map(Number);
    const cs = parseFlatKeyed(rd('cpu', 'cpu.stat'));
    s.cpu.throttling = { periods: cs.nr_periods ?? 0, throttledPeriods: cs.nr_throttled ?? 0, throttledTime: cs.throttled_time ?? 0 };
    const raw = parseFlatKeyed(rd('memory', 'memory.stat'));
    s.memory.raw = raw;
    s.memory.cache = raw.total_cache ?? raw.cache ?? 0;
    s.memory.usage = {
      usage: num(rd('memory', 'memory.usage_in_bytes')), max: num(rd('memory', 'memory.max_usage_in_bytes')),
      limit: lim(rd('memory', 'memory.limit_in_bytes')), failcnt: num(rd('memory', 'memory.failcnt')),
    };
    s.memory.swap = {
      usage: num(rd('memory', 'memory.memsw.usage_in_bytes')), max: num(rd('memory', 'memory.memsw.max_usage_in_bytes')),
      limit: lim(rd('memory', 'memory.memsw.limit_in_bytes')), failcnt: num(rd('memory', 'memory.memsw.failcnt')),
    };
    s.memory.oomKill = parseFlatKeyed(rd('memory', 'memory.oom_control')).oom_kill ?? 0;
    s.blkio.ioServiceBytesRecursive = parseBlkioV1(rd('blkio', 'blkio.throttle.io_service_bytes_recursive'));
    s.blkio.ioServicedRecursive = parseBlkioV1(rd('blkio', 'blkio.throttle.io_serviced_recursive'));
    for (const size of hugeSizes(dirOf('hugetlb'))) {
      s.hugetlb[size] = {
        usage: num(rd('hugetlb', `hugetlb.${size}.usage_in_bytes`)), max: num(rd('hugetlb', `hugetlb.${size}.max_usage_in_bytes`)),
        failcnt: num(rd('hugetlb', `hugetlb.${size}.failcnt`)),
      };
    }
  } else {
    const cs = parseFlatKeyed(rd('cpu', 'cpu.stat'));
    s.cpu.usage.total = (cs.usage_usec ?? 0) * 1000;
    s.cpu.usage.user = (cs.user_usec ?? 0) * 1000;
    s.cpu.usage.kernel = (cs.system_usec ?? 0) * 1000;
    s.cpu.throttling = { periods: cs.nr_periods ?? 0, throttledPeriods: cs.nr_throttled ?? 0, throttledTime: (cs.throttled_usec ?? 0) * 1000 };
    const raw = parseFlatKeyed(rd('memory', 'memory.stat'));
    s.memory.raw = raw;
    s.memory.cache = raw.file ?? 0;
    const cur = num(rd('memory', 'memory.current'));
    const swapCur = num(rd('memory', 'memory.swap.current'));
    const events = parseFlatKeyed(rd('memory', 'memory.events'));
    s.memory.usage = { usage: cur, max: num(rd('memory', 'memory.peak')), limit: lim(rd('memory', 'memory.max')), failcnt: events.max ?? 0 };
    s.memory.oomKill = events.oom_kill ?? 0;
    const swapMax = rd('memory', 'memory.swap.max');
    const memMax = lim(rd('memory', 'memory.max'));
    s.memory.swap = { usage: cur + swapCur, max: 0, limit: swapMax === undefined || lim(swapMax) === 0 || memMax === 0 ? 0 : memMax + lim(swapMax), failcnt: 0 };
    const io = parseIoStat(rd('io', 'io.stat'));
    s.blkio.ioServiceBytesRecursive = io.bytes;
    s.blkio.ioServicedRecursive = io.ios;
    for (const size of hugeSizes(dirOf('hugetlb'))) {
      const ev = parseFlatKeyed(rd('hugetlb', `hugetlb.${size}.events`));
      s.hugetlb[size] = { usage: num(rd('hugetlb', `hugetlb.${size}.current`)), max: 0, failcnt: ev.max ?? 0 };
    }
  }
  s.pids = { current: num(rd('pids', 'pids.current')), limit: lim(rd('pids', 'pids.max')) };
  return s;
}
