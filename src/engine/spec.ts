// ContainerConfig (+ the paths the engine prepared) → OCI config.json, pure. Defaults follow
// docker's: its capability set, masked and read-only /proc paths, /dev/shm 64m, the default
// seccomp profile, the generated /etc/hosts, /etc/hostname and /etc/resolv.conf bound in.
import type { Mount, Propagation, Seccomp, Spec } from '../oci/index.ts';
import { readFileSync, statSync } from 'node:fs';
import { CAPABILITIES, capNames } from '../oci/capabilities.ts';
import { hasEnv, withDefaultPath } from '../oci/env.ts';
import { DOCKER_DEFAULT_CAPS, DOCKER_READONLY_PATHS, dockerMaskedPaths } from '../oci/docker-defaults.ts';
import { EngineError } from './errors.ts';
import type { ContainerConfig } from './types.ts';
import type { ResolvedUser } from './users.ts';
import type { PodJoin } from './pods/types.ts';

/** The spec version written: crun 1.8 (Debian 12) refuses newer ones, and nothing used here
 * needs more than 1.0.2 (what runc 1.1 writes). */
export const SPEC_VERSION = '1.0.2';

export class CapabilityError extends EngineError {
  override name = 'CapabilityError';
}

/** The capabilities this process may hand on (its bounding set): "ALL" means these, since a
 * bounding set can only shrink (here root lacks CAP_SYS_RESOURCE, for one). */
export function hostCaps(): string[] {
  try {
    const m = /^CapBnd:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return capNames(BigInt(`0x${m[1]}`));
  } catch { /* no procfs: assume all */ }
  return [...CAPABILITIES.keys()];
}

/** docker's --cap-add/--cap-drop arithmetic: names with or without CAP_, "ALL" in either list. */
export function effectiveCaps(add: string[], drop: string[], privileged: boolean, available: string[] = [...CAPABILITIES.keys()]): string[] {
  const known = [...CAPABILITIES.keys()];
  const all = available;
  if (privileged) return [...all];
  const norm = (c: string) => {
    const up = c.toUpperCase();
    if (up === 'ALL') return 'ALL';
    const n = up.startsWith('CAP_') ? up : `CAP_${up}`;
    if (!known.includes(n)) throw new CapabilityError(`unknown capability: "${c}"`);
    return n;
  };
  const a = add.map(norm), d = drop.map(norm);
  // Dropping ALL then adding some keeps just those; otherwise drops win over the defaults.
  let caps = d.includes('ALL') ? [] : a.includes('ALL') ? [...all] : [...DOCKER_DEFAULT_CAPS];
  if (!d.includes('ALL')) caps = caps.filter((c) => !d.includes(c));
  for (const c of a) if (c !== 'ALL' && !caps.includes(c)) caps.push(c);
  return caps;
}

export interface SpecInputs {
  id: string;
  config: ContainerConfig;
  rootfs: string;
  user: ResolvedUser;
  /** '' for --network host. */
  netnsPath: string;
  /** Generated files bound over the image's (absent for --network host? no: always present). */
  hostsPath: string;
  hostnamePath: string;
  resolvConfPath: string;
  /** Mount sources resolved by the engine (volume name → directory), in config.mounts order. */
  mountSources: string[];
  seccomp?: Seccomp;
  /** Host path of an init binary to bind at /sbin/docker-init when --init. */
  initPath?: string;
  /** cgroup directory the container's goes under (default berth: /sys/fs/cgroup/<ctrl>/berth/<id>). */
  cgroupParent?: string;
  /** What "ALL" and --privileged mean (default: every known capability). */
  availableCaps?: string[];
  /** Hostname of the host (for --network host). */
  hostHostname?: string;
  /** The pod whose namespaces the container joins. */
  pod?: PodJoin;
  /** Rootless (the engine is root of the user's namespace): singleId when it maps only the
   * user's own id (no subordinate ranges). */
  rootless?: { singleId: boolean };
}

/** The namespaces of a container: its own, or a pod's joined by path (the host's when the pod uses them). */
function namespacesFor(c: ContainerConfig, netnsPath: string, pod: PodJoin | undefined): NonNullable<NonNullable<Spec['linux']>['namespaces']> {
  if (!pod) {
    const hostNet = c.networkMode === 'host';
    return [
      { type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' },
      ...(hostNet ? [] : [{ type: 'network' as const, ...(netnsPath ? { path: netnsPath } : {}) }]),
    ];
  }
  const ns: NonNullable<NonNullable<Spec['linux']>['namespaces']> = [{ type: 'mount' }];
  if (c.pidMode === 'pod' && pod.pid) ns.push({ type: 'pid', path: pod.pid });
  else if (c.pidMode !== 'host') ns.push({ type: 'pid' });
  if (pod.ipc) ns.push({ type: 'ipc', path: pod.ipc });
  if (pod.uts) ns.push({ type: 'uts', path: pod.uts });
  if (!pod.hostNetwork) ns.push({ type: 'network', path: pod.netnsPath });
  return ns;
}

/** --cpus as a CFS quota over docker's 100 ms period (create and update). */
export function cpuLimit(cpus: number): { quota: number; period: number } {
  return { quota: Math.round(cpus * 100000), period: 100000 };
}

export function buildSpec(inp: SpecInputs): Spec {
  const c = inp.config;
  const caps = effectiveCaps(c.capAdd, c.capDrop, c.privileged, inp.availableCaps);
  const hostNet = c.networkMode === 'host' || !!inp.pod?.hostNetwork;
  const hostname = inp.pod ? inp.pod.hostname : hostNet ? (inp.hostHostname ?? c.hostname) : c.hostname;
  const env = withDefaultPath(c.env);
  if (!hasEnv(env, 'HOSTNAME')) env.push(`HOSTNAME=${hostname}`);
  if (c.tty && !hasEnv(env, 'TERM')) env.push('TERM=xterm');
  if (!hasEnv(env, 'HOME')) env.push(`HOME=${inp.user.home || '/'}`);
  let args = [...c.entrypoint, ...c.cmd];
  if (args.length === 0) throw new EngineError('no command specified');
  if (c.init) {
    if (!inp.initPath) throw new EngineError('--init: no init binary found on this host (looked for catatonit, tini-static, tini, docker-init)');
    args = ['/sbin/docker-init', '--', ...args];
  }
  const sysOpts = ['nosuid', 'noexec', 'nodev', ...(c.privileged ? ['rw'] : ['ro'])];
  const mounts: Mount[] = [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    // gid=5 (tty) must be mapped: a rootless namespace of one id has only 0.
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', ...(inp.rootless?.singleId ? [] : ['gid=5'])] },
    // sysfs may only be mounted by the owner of the network namespace: rootless with the host's,
    // the host's /sys is bound instead (as runc's and podman's rootless modes do).
    inp.rootless && hostNet
      ? { destination: '/sys', type: 'bind', source: '/sys', options: ['rbind', 'nosuid', 'noexec', 'nodev', 'ro'] }
      : { destination: '/sys', type: 'sysfs', source: 'sysfs', options: sysOpts },
    { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: [...sysOpts, 'relatime'] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', `size=${c.shmSize}`] },
  ];
  // User mounts parents first (a volume at /data before a bind at /data/sub), then the etc
  // files, so that a volume over /etc does not hide them (docker mounts them last too).
  const order = c.mounts.map((m, i) => ({ m, i })).sort((a, b) => a.m.target.split('/').length - b.m.target.split('/').length);
  for (const { m, i } of order) {
    if (m.type === 'tmpfs') {
      mounts.push({ destination: m.target, type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', ...(m.readOnly ? ['ro'] : []), ...m.options] });
    } else {
      mounts.push({ destination: m.target, type: 'bind', source: inp.mountSources[i], options: ['rbind', ...(m.options.length ? m.options : ['rprivate']), m.readOnly ? 'ro' : 'rw'] });
    }
  }
  const userTargets = new Set(c.mounts.map((m) => m.target));
  const etc = (dest: string, src: string) => {
    if (!userTargets.has(dest)) mounts.push({ destination: dest, type: 'bind', source: src, options: ['rbind', 'rprivate', ...(c.readOnly ? ['ro'] : [])] });
  };
  etc('/etc/resolv.conf', inp.resolvConfPath);
  etc('/etc/hostname', inp.hostnamePath);
  etc('/etc/hosts', inp.hostsPath);
  if (c.init && inp.initPath) mounts.push({ destination: '/sbin/docker-init', type: 'bind', source: inp.initPath, options: ['bind', 'ro'] });

  const resources: NonNullable<NonNullable<Spec['linux']>['resources']> = {
    devices: c.privileged ? [{ allow: true, access: 'rwm' }] : [{ allow: false, access: 'rwm' }],
  };
  const devices = (c.devices ?? []).map((d) => deviceFor(d.hostPath, d.containerPath));
  for (const [i, d] of devices.entries()) {
    resources.devices!.push({ allow: true, type: d.type, major: d.major, minor: d.minor, access: c.devices![i].permissions || 'rwm' });
  }
  if (c.memory) resources.memory = { limit: c.memory, ...(c.memorySwap ? { swap: c.memorySwap } : {}) };
  if (c.cpus) resources.cpu = cpuLimit(c.cpus);
  if (c.pidsLimit) resources.pids = { limit: c.pidsLimit };

  const additionalGids = [...new Set([...inp.user.additionalGids, ...(c.supplementalGroups ?? [])])];
  // A joined UTS namespace already has the pod's hostname (the infra process's create, or the pin's podns, set it).
  const ownUts = !inp.pod;
  const spec: Spec = {
    ociVersion: SPEC_VERSION,
    process: {
      terminal: c.tty,
      user: { uid: inp.user.uid, gid: inp.user.gid, ...(additionalGids.length ? { additionalGids } : {}) },
      args,
      env,
      cwd: c.workingDir || '/',
      capabilities: { bounding: [...caps], effective: [...caps], permitted: [...caps] },
      noNewPrivileges: c.noNewPrivileges,
      oomScoreAdj: 0,
    },
    root: { path: inp.rootfs, readonly: c.readOnly },
    ...(ownUts ? { hostname } : {}),
    ...(c.domainname && ownUts ? { domainname: c.domainname } : {}),
    mounts,
    annotations: { 'io.berth.container.name': c.image },
    linux: {
      namespaces: namespacesFor(c, inp.netnsPath, inp.pod),
      ...(devices.length ? { devices } : {}),
      cgroupsPath: `/${inp.cgroupParent ?? 'berth'}/${inp.id}`,
      resources,
      ...(c.privileged ? {} : { maskedPaths: [...(c.maskedPaths ?? dockerMaskedPaths())], readonlyPaths: [...(c.readonlyPaths ?? DOCKER_READONLY_PATHS)] }),
      ...(inp.seccomp && !c.privileged ? { seccomp: inp.seccomp } : {}),
      ...rootfsPropagationFor(c.mounts),
    },
  };
  return spec;
}

/** As containerd (and docker for its volumes): a shared bind needs a shared root for a mount made
 * inside to reach the host, a slave one at least a slave root; without either the runtime's
 * default (rslave) stands. */
function rootfsPropagationFor(mounts: ContainerConfig['mounts']): { rootfsPropagation?: Propagation } {
  const binds = mounts.filter((m) => m.type !== 'tmpfs');
  if (binds.some((m) => m.options.includes('rshared') || m.options.includes('shared'))) return { rootfsPropagation: 'rshared' };
  if (binds.some((m) => m.options.includes('rslave') || m.options.includes('slave'))) return { rootfsPropagation: 'rslave' };
  return {};
}

/** A host device node as the spec lists it (type, numbers and mode read from the host). */
function deviceFor(hostPath: string, containerPath: string): { path: string; type: 'c' | 'b'; major: number; minor: number; fileMode: number; uid: number; gid: number } {
  let st;
  try { st = statSync(hostPath); } catch (e) { throw new EngineError(`device ${hostPath}: ${(e as Error).message}`); }
  const type = st.isCharacterDevice() ? 'c' as const : st.isBlockDevice() ? 'b' as const : undefined;
  if (!type) throw new EngineError(`device ${hostPath}: not a character or block device`);
  const rdev = st.rdev;
  return {
    path: containerPath || hostPath, type, major: Math.floor(rdev / 256) & 0xfff, minor: (rdev & 0xff) | ((Math.floor(rdev / 1048576) & 0xfff) << 8),
    fileMode: st.mode & 0o777, uid: st.uid, gid: st.gid,
  };
}
