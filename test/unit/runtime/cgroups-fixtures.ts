// Fixture /proc/self/mountinfo and /proc/self/cgroup texts for the cgroups unit tests.

/** A Debian-style hybrid host: v1 controllers (cpu,cpuacct co-mounted) plus cgroup2 at unified. */
export const hybridMountinfo = [
  '22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw',
  '25 22 0:23 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw',
  '31 25 0:28 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755',
  '32 31 0:29 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - cgroup2 cgroup2 rw,nsdelegate',
  '33 31 0:30 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:11 - cgroup cgroup rw,xattr,name=systemd',
  '35 31 0:32 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:15 - cgroup cgroup rw,cpu,cpuacct',
  '36 31 0:33 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:16 - cgroup cgroup rw,memory',
  '37 31 0:34 / /sys/fs/cgroup/cpuset rw,nosuid,nodev,noexec,relatime shared:17 - cgroup cgroup rw,cpuset',
  '38 31 0:35 / /sys/fs/cgroup/devices rw,nosuid,nodev,noexec,relatime shared:18 - cgroup cgroup rw,devices',
  '39 31 0:36 / /sys/fs/cgroup/freezer rw,nosuid,nodev,noexec,relatime shared:19 - cgroup cgroup rw,freezer',
  '40 31 0:37 / /sys/fs/cgroup/blkio rw,nosuid,nodev,noexec,relatime shared:20 - cgroup cgroup rw,blkio',
  '41 31 0:38 / /sys/fs/cgroup/pids rw,nosuid,nodev,noexec,relatime shared:21 - cgroup cgroup rw,pids',
  '42 31 0:39 / /sys/fs/cgroup/net_cls,net_prio rw,nosuid,nodev,noexec,relatime shared:22 - cgroup cgroup rw,net_cls,net_prio',
  '43 31 0:40 / /sys/fs/cgroup/hugetlb rw,nosuid,nodev,noexec,relatime shared:23 - cgroup cgroup rw,hugetlb',
  '44 31 0:41 / /sys/fs/cgroup/perf_event rw,nosuid,nodev,noexec,relatime shared:24 - cgroup cgroup rw,perf_event',
  '45 31 0:42 / /sys/fs/cgroup/rdma rw,nosuid,nodev,noexec,relatime shared:25 - cgroup cgroup rw,rdma',
  '46 31 0:43 / /sys/fs/cgroup/misc rw,nosuid,nodev,noexec,relatime shared:26 - cgroup cgroup rw,misc',
  '',
].join('\n');

export const hybridSelfCgroup = [
  '13:misc:/',
  '12:rdma:/',
  '11:perf_event:/',
  '10:hugetlb:/',
  '9:net_cls,net_prio:/',
  '8:pids:/user.slice/user-0.slice/session-1.scope',
  '7:blkio:/user.slice',
  '6:freezer:/',
  '5:devices:/user.slice',
  '4:cpuset:/',
  '3:memory:/user.slice/user-0.slice/session-1.scope',
  '2:cpu,cpuacct:/user.slice',
  '1:name=systemd:/user.slice/user-0.slice/session-1.scope',
  '0::/user.slice/user-0.slice/session-1.scope',
  '',
].join('\n');

/** A pure cgroup v2 host (systemd's unified layout). */
export const v2Mountinfo = [
  '22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw',
  '25 22 0:23 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw',
  '30 25 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot',
  '',
].join('\n');
export const v2SelfCgroup = '0::/user.slice/user-1000.slice/session-3.scope\n';

/** Inside a container: each hierarchy's mount root is the container's cgroup (no cgroupns). */
export const nestedMountinfo = [
  '600 500 0:50 / / rw - overlay overlay rw',
  '610 600 0:60 / /sys/fs/cgroup rw - tmpfs tmpfs rw,mode=755',
  '611 610 0:33 /docker/abc /sys/fs/cgroup/memory ro,nosuid - cgroup cgroup rw,memory',
  '612 610 0:41 /docker/abc /sys/fs/cgroup/pids ro,nosuid - cgroup cgroup rw,pids',
  '',
].join('\n');
export const nestedSelfCgroup = '3:memory:/docker/abc\n2:pids:/docker/abc/sub\n0::/\n';
