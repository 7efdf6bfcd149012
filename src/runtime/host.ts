// What the planner needs to know about the machine: cgroup layout, the kernel's capabilities and
// namespaces, who we are, which confinement mechanisms exist. probeHost() reads a handful of
// small /proc files once per process (create runs it every time, so it must stay cheap); the
// parsers are pure so tests can feed them fixtures.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { NsName } from './plan.ts';
import { CgroupHostError, detectCgroups, type CgroupHost } from './cgroups/index.ts';
import { inUserNamespace } from '../util/userns.ts';

export interface HostFacts {
  /** The cgroup layout, from the cgroups module's detection (the one parser of it). */
  cgroup: CgroupHost;
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
  /** Our user namespace denies setgroups (a one-id rootless namespace): a container that does
   * not make its own user namespace cannot call it either. */
  setgroupsDenied?: boolean;
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

const NS_FILES: Record<string, NsName> = {
  user: 'user', mnt: 'mount', pid: 'pid', net: 'network', uts: 'uts', ipc: 'ipc', cgroup: 'cgroup', time: 'time',
};

function read(path: string): string {
  try { return readFileSync(path, 'utf8'); } catch { return ''; }
}

/** No cgroup filesystem at all (or no /proc): a v2 layout without a mount, which the planner
 * reports if the spec asks for a cgroup mount. */
function probeCgroups(): CgroupHost {
  try {
    return detectCgroups(read('/proc/self/mountinfo'), read('/proc/self/cgroup'));
  } catch (e) {
    if (e instanceof CgroupHostError) return { version: 2, v1: {}, unified: null };
    throw e;
  }
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
  cached = {
    cgroup: probeCgroups(),
    capLastCap: Number(read('/proc/sys/kernel/cap_last_cap').trim()) || 40,
    namespaces: [...new Set(namespaces)],
    root: process.geteuid?.() === 0,
    uid: process.geteuid?.() ?? 0,
    gid: process.getegid?.() ?? 0,
    inUserNamespace: inUserNamespace(),
    setgroupsDenied: read('/proc/self/setgroups').trim() === 'deny',
    seccomp: /^Seccomp:/m.test(status),
    apparmor: read('/sys/module/apparmor/parameters/enabled').trim() === 'Y',
    selinux: existsSync('/sys/fs/selinux/enforce'),
    kcore: existsSync('/proc/kcore'),
    capBounding: parseCapBounding(status),
    idMapHelpers: existsSync(NEWUIDMAP) && existsSync(NEWGIDMAP),
  };
  return cached;
}
