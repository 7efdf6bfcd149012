// Runtime output documents (state, events --stats, features) as the typed results of
// interface.ts: every field present, whatever the runtime left out (runc omits empty ones).
import type { RuntimeFeatures, RuntimeState, RuntimeStats, RuntimeStatus } from './interface.ts';

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? v as Obj : {});
const num = (v: unknown): number => (typeof v === 'number' ? v : typeof v === 'string' && v !== '' && !Number.isNaN(Number(v)) ? Number(v) : 0);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const strs = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const STATUSES = new Set<RuntimeStatus>(['creating', 'created', 'running', 'paused', 'stopped']);

export function stateFrom(v: unknown): RuntimeState {
  const o = obj(v);
  const status = str(o.status) as RuntimeStatus;
  return {
    ociVersion: str(o.ociVersion), id: str(o.id), status: STATUSES.has(status) ? status : 'stopped', pid: num(o.pid), bundle: str(o.bundle),
    ...(o.created ? { created: str(o.created) } : {}), ...(o.owner !== undefined ? { owner: str(o.owner) } : {}),
    ...(o.annotations ? { annotations: obj(o.annotations) as Record<string, string> } : {}),
  };
}

const entry = (v: unknown) => { const o = obj(v); return { usage: num(o.usage), max: num(o.max), limit: num(o.limit), failcnt: num(o.failcnt) }; };
const blk = (v: unknown) => (Array.isArray(v) ? v.map((e) => { const o = obj(e); return { major: num(o.major), minor: num(o.minor), op: str(o.op), value: num(o.value) }; }) : []);

export function statsFrom(v: unknown): RuntimeStats {
  const d = obj(v), cpu = obj(d.cpu), usage = obj(cpu.usage), thr = obj(cpu.throttling), mem = obj(d.memory), pids = obj(d.pids), io = obj(d.blkio);
  const raw: Record<string, number> = {};
  for (const [k, x] of Object.entries(obj(mem.raw))) raw[k] = num(x);
  const hugetlb: RuntimeStats['hugetlb'] = {};
  for (const [k, x] of Object.entries(obj(d.hugetlb))) { const h = obj(x); hugetlb[k] = { usage: num(h.usage), max: num(h.max), failcnt: num(h.failcnt) }; }
  return {
    cpu: {
      usage: { total: num(usage.total), percpu: Array.isArray(usage.percpu) ? usage.percpu.map(num) : [], kernel: num(usage.kernel), user: num(usage.user) },
      throttling: { periods: num(thr.periods), throttledPeriods: num(thr.throttledPeriods), throttledTime: num(thr.throttledTime) },
    },
    memory: { cache: num(mem.cache), usage: entry(mem.usage), swap: entry(mem.swap), raw },
    pids: { current: num(pids.current), limit: num(pids.limit) },
    blkio: { ioServiceBytesRecursive: blk(io.ioServiceBytesRecursive), ioServicedRecursive: blk(io.ioServicedRecursive) },
    hugetlb,
  };
}

export function featuresFrom(v: unknown): RuntimeFeatures {
  const o = obj(v);
  return { ociVersionMin: str(o.ociVersionMin), ociVersionMax: str(o.ociVersionMax), hooks: strs(o.hooks), mountOptions: strs(o.mountOptions), raw: o };
}
