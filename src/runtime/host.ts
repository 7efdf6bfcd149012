// What the planner needs to know about the machine: cgroup layout, the kernel's capabilities and
// namespaces, who we are, which confinement mechanisms exist. probeHost() reads a handful of
// small /proc files once per process (create runs it every time, so it must stay cheap); the
// parsers are pure so tests can feed them fixtures.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { NsName } from './plan.ts';

export interface CgroupHierarchy {
  /** Where the hierarchy is mounted on the host, e.g. /sys/fs/cgroup/cpu,cpuacct. */
  mountPoint: string;
  /** v1 controllers bound to it (`name=systemd` for a named hierarchy); [] for cgroup2. */
  controllers: string[];
  /** The mount's root inside the hierarchy (mountinfo field 4), usually '/'. */
  root: string;
  /** This process's cgroup in the hierarchy, from /proc/self/cgroup ('/' when not listed). */
  own: string;
}

export interface CgroupFacts {
  /** 2 when /sys/fs/cgroup is a pure cgroup2 (unified) hierarchy, 1 otherwise. */
  version: 1 | 2;
  /** v1: one entry per mounted v1 hierarchy; v2: the single unified hierarchy. */
  hierarchies: CgroupHierarchy[];
  /** v1 hosts with a hybrid cgroup2 mount (e.g. /sys/fs/cgroup/unified). */
  unified?: CgroupHierarchy;
}

export interface HostFacts {
  cgroup: CgroupFacts;
  /** /proc/sys/kernel/cap_last_cap. */
  capLastCap: number;
  /** Namespace kinds the kernel offers (from /proc/self/ns). */
  namespaces: NsName[];
  /** Effective uid 0 in our own user namespace. */
  root: boolean;
  uid: number;
  gid: number;
  /** We run inside a user namespace other than the initial one (then mknod is refused). */
  inUserNamespace: boolean;
  /** seccomp filters are available (Seccomp: line in /proc/self/status). */
  seccomp: boolean;
  apparmor: boolean;
  selinux: boolean;
  /** /proc/kcore exists: the container gets the /dev/core → /proc/kcore symlink. */
  kcore: boolean;
  /** The runtime's own bounding set (CapBnd): capabilities outside it can never be granted. */
  capBounding?: bigint;
  /** newuidmap and newgidmap (Debian's uidmap) are installed: without root, id maps beyond the
   * caller's own ids go through them (they check /etc/subuid and /etc/subgid). */
  idMapHelpers?: boolean;
}

export const NEWUIDMAP = '/usr/bin/newuidmap';
export const NEWGIDMAP = '/usr/bin/newgidmap';

/** CapBnd from /proc/self/status, or undefined when absent. */
export function parseCapBounding(status: string): bigint | undefined {
  const m = /^CapBnd:\s*([0-9a-f]+)$/m.exec(status);
  return m ? BigInt(`0x${m[1]}`) : undefined;
}

/** mountinfo escapes space, tab, newline and backslash as octal. */
function unescape(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
}

// Superblock options of a v1 cgroup mount that are not controller names.
const NOT_CONTROLLERS = new Set(['rw', 'ro', 'xattr', 'clone_children', 'noprefix', 'cpuset_v2_mode', 'favordynmods', 'nsdelegate', 'memory_recursiveprot']);

/** Parses /proc/self/mountinfo and /proc/self/cgroup into the cgroup layout. */
export function parseCgroupFacts(mountinfo: string, selfCgroup: string): CgroupFacts {
  const own = new Map<string, string>(); // sorted controller list ('' for v2) → path
  for (const line of selfCgroup.split('\n')) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line);
    if (m) own.set(m[2].split(',').filter(Boolean).sort().join(','), m[3]);
  }
  const v1: CgroupHierarchy[] = [];
  let v2: CgroupHierarchy | undefined;
  const seen = new Set<string>();
  for (const line of mountinfo.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const pre = line.slice(0, sep).split(' ');
    const [fstype, , superOpts = ''] = line.slice(sep + 3).split(' ');
    if (fstype !== 'cgroup' && fstype !== 'cgroup2') continue;
    const root = unescape(pre[3]);
    const mountPoint = unescape(pre[4]);
    if (fstype === 'cgroup2') {
      // The first cgroup2 mount is the host's; later ones are usually container binds.
      v2 ??= { mountPoint, controllers: [], root, own: own.get('') ?? '/' };
      continue;
    }
    const controllers = superOpts.split(',').filter((o) => o && !NOT_CONTROLLERS.has(o) && !o.startsWith('release_agent='));
    const key = [...controllers].sort().join(',');
    if (!controllers.length || seen.has(key)) continue;
    seen.add(key);
    v1.push({ mountPoint, controllers, root, own: own.get(key) ?? '/' });
  }
  if (v1.length) return { version: 1, hierarchies: v1, ...(v2 ? { unified: v2 } : {}) };
  return { version: 2, hierarchies: v2 ? [v2] : [] };
}

const NS_FILES: Record<string, NsName> = {
  user: 'user', mnt: 'mount', pid: 'pid', net: 'network', uts: 'uts', ipc: 'ipc', cgroup: 'cgroup', time: 'time',
};

function read(path: string): string {
  try { return readFileSync(path, 'utf8'); } catch { return ''; }
}

/** The initial user namespace maps the whole 32-bit range onto itself. */
export function isInitialUserNs(uidMap: string): boolean {
  const lines = uidMap.trim().split('\n').map((l) => l.trim().split(/\s+/));
  return lines.length === 1 && lines[0][0] === '0' && lines[0][1] === '0' && lines[0][2] === '4294967295';
}

let cached: HostFacts | undefined;

/** Probes the host once per process. */
export function probeHost(): HostFacts {
  if (cached) return cached;
  let namespaces: NsName[] = [];
  try {
    namespaces = readdirSync('/proc/self/ns').map((f) => NS_FILES[f]).filter((n): n is NsName => n !== undefined);
  } catch { /* no /proc: planner will refuse namespaces */ }
  const status = read('/proc/self/status');
  const uidMap = read('/proc/self/uid_map');
  cached = {
    cgroup: parseCgroupFacts(read('/proc/self/mountinfo'), read('/proc/self/cgroup')),
    capLastCap: Number(read('/proc/sys/kernel/cap_last_cap').trim()) || 40,
    namespaces: [...new Set(namespaces)],
    root: process.geteuid?.() === 0,
    uid: process.geteuid?.() ?? 0,
    gid: process.getegid?.() ?? 0,
    inUserNamespace: uidMap !== '' && !isInitialUserNs(uidMap),
    seccomp: /^Seccomp:/m.test(status),
    apparmor: read('/sys/module/apparmor/parameters/enabled').trim() === 'Y',
    selinux: existsSync('/sys/fs/selinux/enforce'),
    kcore: existsSync('/proc/kcore'),
    capBounding: parseCapBounding(status),
    idMapHelpers: existsSync(NEWUIDMAP) && existsSync(NEWGIDMAP),
  };
  return cached;
}
