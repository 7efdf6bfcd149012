// Steps for config.json `mounts`: option translation, bind mounts (mount, then remount for the
// flags a bind ignores, then propagation), cgroup filesystems laid out for the host's cgroup
// version, and the /proc restrictions runc enforces.
import { basename, isAbsolute, resolve } from 'node:path';
import type { Mount } from '../../oci/index.ts';
import type { HostFacts } from '../host.ts';
import { hierarchies, type CgroupMount } from '../cgroups/index.ts';
import type { CgroupPlan, Step } from '../plan.ts';
import type { PlanProblem } from './errors.ts';
import { MS, parseMountOptions } from './mount-options.ts';

export type SourceKind = 'dir' | 'file' | 'missing';

export interface MountContext {
  bundle: string;
  host: HostFacts;
  /** The container gets a new cgroup namespace (cgroupfs can then be mounted directly). */
  cgroupns: boolean;
  /** The init runs in a user namespace (new or joined) other than the host's. */
  userns: boolean;
  cgroup: CgroupPlan | null;
  statSource: (path: string) => SourceKind;
}

// Files under /proc that may be mounted over (lxcfs-style emulation), as runc allows.
const PROC_OVERRIDES = new Set([
  '/proc/cpuinfo', '/proc/diskstats', '/proc/meminfo', '/proc/stat', '/proc/swaps', '/proc/uptime',
  '/proc/loadavg', '/proc/slabinfo', '/proc/net/dev', '/proc/sys/kernel/ns_last_pid',
]);

/** Normalises a container path: collapses `//`, `.` and `..` without leaving `/`. */
export function cleanPath(p: string): string {
  return resolve('/', p);
}

export function isBindMount(m: Mount): boolean {
  return m.type === 'bind' || (m.options ?? []).some((o) => o === 'bind' || o === 'rbind');
}

/** Steps for one spec mount. */
export function mountSteps(m: Mount, index: number, ctx: MountContext, problems: PlanProblem[]): Step[] {
  const at = `mounts[${index}]`;
  const target = cleanPath(m.destination);
  const opts = parseMountOptions(m.options);
  for (const e of opts.errors) problems.push({ path: `${at}.options`, message: e });
  if (m.uidMappings?.length || m.gidMappings?.length) {
    problems.push({ path: `${at}.uidMappings`, message: 'id-mapped mounts are not supported' });
  }
  if (target === '/') problems.push({ path: `${at}.destination`, message: 'cannot mount over the container root' });
  const type = m.type ?? '';
  const bind = isBindMount(m);

  if (target === '/proc' || target.startsWith('/proc/')) {
    const ok = (target === '/proc' && type === 'proc' && !bind) || PROC_OVERRIDES.has(target);
    if (!ok) problems.push({ path: `${at}.destination`, message: `${target} cannot be mounted because it is inside /proc` });
  }

  if (!bind && (type === 'cgroup' || type === 'cgroup2')) return cgroupSteps(target, opts.flags, ctx, at, problems);

  const steps: Step[] = [];
  if (bind) {
    if (opts.copyUp) problems.push({ path: `${at}.options`, message: 'option "tmpcopyup" needs a tmpfs mount, not a bind mount' });
    if (m.source === undefined || m.source === '') {
      problems.push({ path: `${at}.source`, message: 'a bind mount needs a source' });
      return [];
    }
    const source = isAbsolute(m.source) ? m.source : resolve(ctx.bundle, m.source);
    const kind = ctx.statSource(source);
    if (kind === 'missing') {
      problems.push({ path: `${at}.source`, message: `bind source ${source} does not exist` });
      return [];
    }
    const bindFlags = opts.flags & (MS.BIND | MS.REC);
    steps.push({ op: 'mount', source, target, fstype: '', flags: bindFlags | MS.BIND, data: '', create: kind });
    // MS_BIND ignores every other flag: they take effect only through a remount of the bind.
    const rest = opts.flags & ~(MS.BIND | MS.REC | MS.REMOUNT);
    if (rest) steps.push({ op: 'remount', target, flags: rest });
  } else {
    if (opts.copyUp && type !== 'tmpfs') problems.push({ path: `${at}.options`, message: `option "tmpcopyup" needs a tmpfs mount, not ${type || 'an empty type'}` });
    steps.push({ op: 'mount', source: m.source ?? '', target, fstype: type, flags: opts.flags, data: opts.data, create: 'dir', ...(opts.copyUp ? { copyUp: true } : {}) });
  }
  for (const p of opts.propagation) steps.push({ op: 'propagate', target, flags: p });
  return steps;
}

/** The directory of the container's cgroup in a hierarchy: the one the cgroup plan creates, or
 * (without a cgroup plan) the runtime's own, which the init inherits. */
function containerCgroupDir(h: CgroupMount, cgroup: CgroupPlan | null): string {
  const mine = cgroup?.dirs.find((d) => d === h.mountpoint || d.startsWith(h.mountpoint + '/'));
  if (mine) return mine;
  const rel = h.root !== '/' && h.own.startsWith(h.root) ? h.own.slice(h.root.length) : h.own;
  return cleanPath(h.mountpoint + '/' + rel);
}

function cgroupSteps(target: string, flags: number, ctx: MountContext, at: string, problems: PlanProblem[]): Step[] {
  const { host } = ctx;
  const steps: Step[] = [];
  if (host.cgroup.version === 2) {
    const h = host.cgroup.unified;
    if (!h) { problems.push({ path: at, message: 'the host has no cgroup2 mount to give the container' }); return []; }
    // Without a cgroup namespace a user namespace may not mount cgroup2: bind our cgroup instead.
    if (ctx.cgroupns || !ctx.userns) {
      steps.push({ op: 'mount', source: 'cgroup', target, fstype: 'cgroup2', flags, data: '', create: 'dir' });
    } else {
      steps.push({ op: 'mount', source: containerCgroupDir(h, ctx.cgroup), target, fstype: '', flags: MS.BIND | MS.REC, data: '', create: 'dir' });
      const rest = flags & ~(MS.BIND | MS.REC | MS.REMOUNT);
      if (rest) steps.push({ op: 'remount', target, flags: rest });
    }
    return steps;
  }
  // v1: a tmpfs holding one directory per hierarchy.
  steps.push({ op: 'mount', source: 'tmpfs', target, fstype: 'tmpfs', flags: MS.NOSUID | MS.NODEV | MS.NOEXEC, data: 'mode=755', create: 'dir' });
  for (const h of hierarchies(host.cgroup)) {
    const dir = basename(h.mountpoint);
    const sub = `${target}/${dir}`;
    if (ctx.cgroupns) {
      const named = h.controllers.length === 1 && h.controllers[0].startsWith('name=');
      const data = named ? `none,${h.controllers[0]}` : h.controllers.join(',');
      steps.push({ op: 'mount', source: 'cgroup', target: sub, fstype: 'cgroup', flags: flags & ~MS.REMOUNT, data, create: 'dir' });
    } else {
      steps.push({ op: 'mount', source: containerCgroupDir(h, ctx.cgroup), target: sub, fstype: '', flags: MS.BIND | MS.REC, data: '', create: 'dir' });
      const rest = flags & ~(MS.BIND | MS.REC | MS.REMOUNT);
      if (rest) steps.push({ op: 'remount', target: sub, flags: rest });
    }
    // Co-mounted controllers (cpu,cpuacct) are also reachable under each controller's name.
    if (dir.includes(',')) {
      for (const c of dir.split(',')) if (c !== dir) steps.push({ op: 'symlink', linkTarget: dir, target: `${target}/${c}` });
    }
  }
  if (flags & MS.RDONLY) steps.push({ op: 'remount', target, flags: MS.RDONLY | MS.NOSUID | MS.NODEV | MS.NOEXEC });
  return steps;
}
