// The config.json `berth-runtime spec` writes: the same content `runc spec` produces (a shell
// in ./rootfs with the usual pseudo-filesystems, a small capability set, masked /proc entries),
// and its rootless variant (user namespace mapping the caller, no network namespace, /sys bound
// from the host because sysfs cannot be mounted without owning a network namespace).
import { OCI_VERSION } from './spec.ts';
import { DEFAULT_PATH_ENV } from './env.ts';
import type { Mount, Spec } from './spec.ts';

export interface DefaultSpecOptions {
  rootless?: boolean;
  args?: string[];
  /** Ids mapped to container root in the rootless variant (default: the caller's). */
  uid?: number;
  gid?: number;
}

const CAPS = ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'];

const MASKED = [
  '/proc/acpi', '/proc/asound', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list',
  '/proc/timer_stats', '/proc/sched_debug', '/sys/firmware', '/proc/scsi',
];

const READONLY = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

function mounts(rootless: boolean): Mount[] {
  const list: Mount[] = [
    { destination: '/proc', type: 'proc', source: 'proc' },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    {
      destination: '/dev/pts', type: 'devpts', source: 'devpts',
      // gid=5 (tty) would need gid 5 mapped, which a rootless user namespace does not have.
      options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', ...(rootless ? [] : ['gid=5'])],
    },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
  ];
  if (rootless) {
    // The /sys rbind already brings the host's /sys/fs/cgroup along (read-only); a separate
    // cgroup mount would need a cgroup namespace the caller may not have.
    list.push({ destination: '/sys', type: 'none', source: '/sys', options: ['rbind', 'nosuid', 'noexec', 'nodev', 'ro'] });
  } else {
    list.push(
      { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
      { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'] },
    );
  }
  return list;
}

/** A fresh default config.json document. */
export function defaultSpec(opts: DefaultSpecOptions = {}): Spec {
  const rootless = opts.rootless ?? false;
  const spec: Spec = {
    ociVersion: OCI_VERSION,
    process: {
      terminal: true,
      user: { uid: 0, gid: 0 },
      args: opts.args?.length ? [...opts.args] : ['sh'],
      env: [DEFAULT_PATH_ENV, 'TERM=xterm'],
      cwd: '/',
      capabilities: { bounding: [...CAPS], effective: [...CAPS], permitted: [...CAPS], ambient: [...CAPS] },
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
      noNewPrivileges: true,
    },
    root: { path: 'rootfs', readonly: true },
    hostname: 'berth',
    mounts: mounts(rootless),
    linux: {
      namespaces: [
        { type: 'pid' },
        ...(rootless ? [] : [{ type: 'network' as const }]),
        { type: 'ipc' }, { type: 'uts' }, { type: 'mount' },
        ...(rootless ? [{ type: 'user' as const }] : []),
      ],
      maskedPaths: [...MASKED],
      readonlyPaths: [...READONLY],
    },
  };
  if (rootless) {
    const uid = opts.uid ?? process.geteuid?.() ?? 0;
    const gid = opts.gid ?? process.getegid?.() ?? 0;
    spec.linux!.uidMappings = [{ containerID: 0, hostID: uid, size: 1 }];
    spec.linux!.gidMappings = [{ containerID: 0, hostID: gid, size: 1 }];
  } else {
    // Deny-all devices rule, as runc writes it; the cgroup code allows the default nodes.
    spec.linux!.resources = { devices: [{ allow: false, access: 'rwm' }] };
  }
  return spec;
}

/** config.json text as written to disk (tab-indented like runc's, trailing newline). */
export function renderSpec(spec: Spec): string {
  // JSON.rawJSON (Node >= 21) writes a bigint as an exact number; the es2024 lib lacks its type.
  const raw = (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON;
  return JSON.stringify(spec, (_k, v: unknown) => (typeof v === 'bigint' ? raw(v.toString()) : v), '\t') + '\n';
}
