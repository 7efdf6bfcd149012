// Host fixtures for planner tests: a cgroup v1 host (with co-mounted cpu,cpuacct and a hybrid
// cgroup2 mount) and a pure cgroup v2 host, built by the real parser from mountinfo text.
import { detectCgroups } from '../../../src/runtime/cgroups/index.ts';
import type { HostFacts } from '../../../src/runtime/host.ts';
import type { PlanContext } from '../../../src/runtime/planner.ts';

export const V1_MOUNTINFO = `\
24 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
31 23 0:28 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755
32 31 0:29 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - cgroup2 cgroup2 rw,nsdelegate
33 31 0:30 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:11 - cgroup cgroup rw,xattr,name=systemd
34 31 0:31 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:12 - cgroup cgroup rw,cpu,cpuacct
35 31 0:32 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:13 - cgroup cgroup rw,memory
36 31 0:33 / /sys/fs/cgroup/pids rw,nosuid,nodev,noexec,relatime shared:14 - cgroup cgroup rw,pids
37 31 0:34 / /sys/fs/cgroup/devices rw,nosuid,nodev,noexec,relatime shared:15 - cgroup cgroup rw,devices
`;
export const V1_SELF_CGROUP = `\
6:devices:/user.slice
5:pids:/user.slice/user-1000.slice
4:memory:/user.slice
3:cpu,cpuacct:/user.slice
1:name=systemd:/user.slice/session-1.scope
0::/user.slice/session-1.scope
`;

export const V2_MOUNTINFO = `\
24 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
31 23 0:28 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
`;
export const V2_SELF_CGROUP = '0::/user.slice/user-1000.slice/session-3.scope\n';

const common = {
  capLastCap: 40,
  namespaces: ['user', 'mount', 'pid', 'network', 'uts', 'ipc', 'cgroup', 'time'] as HostFacts['namespaces'],
  inUserNamespace: false,
  seccomp: true,
  apparmor: false,
  selinux: false,
  kcore: true,
};

export const V1_HOST: HostFacts = {
  ...common,
  cgroup: detectCgroups(V1_MOUNTINFO, V1_SELF_CGROUP),
  root: true, uid: 0, gid: 0,
};

export const V2_HOST: HostFacts = {
  ...common,
  cgroup: detectCgroups(V2_MOUNTINFO, V2_SELF_CGROUP),
  root: true, uid: 0, gid: 0,
};

export const ROOTLESS_V2_HOST: HostFacts = { ...V2_HOST, root: false, uid: 1000, gid: 1000 };

export function ctx(extra: Partial<PlanContext> = {}): PlanContext {
  return {
    id: 'c1',
    bundle: '/bundles/c1',
    rootfs: '/bundles/c1/rootfs',
    stateDir: '/run/berth/c1',
    execFifo: '/run/berth/c1/exec.fifo',
    preserveFds: 0,
    statSource: (p) => (p.endsWith('.conf') || p.endsWith('.sock') ? 'file' : p.includes('missing') ? 'missing' : 'dir'),
    lookupHome: (uid) => (uid === 0 ? '/root' : undefined),
    ...extra,
  };
}
