// Data types: the host's cgroup layout and stats. linux.resources' types are src/oci/spec.ts's.
import type { Linux } from '../../oci/spec.ts';

/** The v1 controllers (and the named systemd hierarchy) the runtime knows about. */
export const V1_CONTROLLERS = [
  'cpu', 'cpuacct', 'cpuset', 'memory', 'devices', 'freezer', 'blkio', 'pids', 'hugetlb',
  'net_cls', 'net_prio', 'perf_event', 'rdma', 'misc', 'name=systemd',
] as const;
export type V1Controller = (typeof V1_CONTROLLERS)[number];

/** One mounted cgroup hierarchy. */
export interface CgroupMount {
  /** Where it is mounted, e.g. /sys/fs/cgroup/memory. */
  mountpoint: string;
  /** The cgroup (inside the hierarchy) this mount shows at `mountpoint`: mountinfo's root field. */
  root: string;
  /** v1: the controllers bound to this hierarchy (several when co-mounted, e.g. cpu,cpuacct). */
  controllers: string[];
  /** The runtime's own cgroup in this hierarchy (from /proc/self/cgroup), "/" if unknown. */
  own: string;
}

export interface CgroupHost {
  /** 1 when any v1 controller hierarchy is mounted (hybrid hosts count as v1), else 2. */
  version: 1 | 2;
  /** v1 hierarchies by controller name. Co-mounted controllers share one CgroupMount object. */
  v1: Partial<Record<V1Controller, CgroupMount>>;
  /** The cgroup2 mount (on hybrid hosts: /sys/fs/cgroup/unified), or null. */
  unified: CgroupMount | null;
}

/** What planCgroup reads from config.json's `linux` object (the types are src/oci's). */
export type LinuxCgroupConfig = Pick<Linux, 'cgroupsPath' | 'resources' | 'devices'>;

// ── stats (field names follow runc's `events --stats` JSON) ──

export interface BlkioEntry { major: number; minor: number; op: string; value: number }
export interface MemoryEntry { usage: number; max: number; limit: number; failcnt: number }
export interface CgroupStats {
  cpu: {
    usage: { total: number; percpu: number[]; kernel: number; user: number };
    throttling: { periods: number; throttledPeriods: number; throttledTime: number };
  };
  memory: {
    /** Page cache bytes (v1 total_cache / v2 file). */
    cache: number;
    usage: MemoryEntry;
    swap: MemoryEntry;
    /** memory.stat as numbers. */
    raw: Record<string, number>;
    /** Tasks the OOM killer killed in this cgroup (v1 memory.oom_control / v2 memory.events oom_kill). */
    oomKill: number;
  };
  /** limit 0 means unlimited ("max"). */
  pids: { current: number; limit: number };
  blkio: { ioServiceBytesRecursive: BlkioEntry[]; ioServicedRecursive: BlkioEntry[] };
  hugetlb: Record<string, { usage: number; max: number; failcnt: number }>;
}
