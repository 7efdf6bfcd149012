// Host detection: which cgroup version, where each hierarchy is mounted and which cgroup the
// runtime itself is in. Pure parsing of /proc/self/mountinfo and /proc/self/cgroup text; the
// files are only read when the caller does not pass them.
import { readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { CgroupHostError } from './errors.ts';
import { unescapeMountinfo } from '../../util/proc.ts';
import { V1_CONTROLLERS } from './types.ts';
import type { CgroupHost, CgroupMount, V1Controller } from './types.ts';

const known = new Set<string>(V1_CONTROLLERS);

const unescapeOctal = unescapeMountinfo;

interface MountLine { root: string; mountpoint: string; fstype: string; superOptions: string[] }

export function parseMountinfo(text: string): MountLine[] {
  const out: MountLine[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const fields = line.split(' ');
    const sep = fields.indexOf('-', 6);
    if (sep < 0 || fields.length < sep + 4) throw new CgroupHostError(`malformed mountinfo line: ${line}`);
    out.push({
      root: unescapeOctal(fields[3]),
      mountpoint: unescapeOctal(fields[4]),
      fstype: fields[sep + 1],
      superOptions: fields[sep + 3].split(','),
    });
  }
  return out;
}

/** /proc/self/cgroup as controller → path; the v2 entry ("0::/x") is stored under "". */
export function parseSelfCgroup(text: string): Map<string, string> {
  const own = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const a = line.indexOf(':');
    const b = line.indexOf(':', a + 1);
    if (a < 0 || b < 0) throw new CgroupHostError(`malformed /proc/self/cgroup line: ${line}`);
    const path = line.slice(b + 1);
    const ctrls = line.slice(a + 1, b);
    if (ctrls === '') own.set('', path);
    else for (const c of ctrls.split(',')) own.set(c, path);
  }
  return own;
}

function isUnder(path: string, root: string): boolean {
  return root === '/' || path === root || path.startsWith(root + '/');
}

/**
 * Detects the host's cgroup layout. `mountinfo` and `selfCgroup` default to the contents of
 * /proc/self/mountinfo and /proc/self/cgroup.
 */
export function detectCgroups(mountinfo?: string, selfCgroup?: string): CgroupHost {
  mountinfo ??= readFileSync('/proc/self/mountinfo', 'utf8');
  selfCgroup ??= readFileSync('/proc/self/cgroup', 'utf8');
  const mounts = parseMountinfo(mountinfo);
  const own = parseSelfCgroup(selfCgroup);

  const v1: Partial<Record<V1Controller, CgroupMount>> = {};
  // One CgroupMount per mountpoint so co-mounted controllers share it.
  const byMountpoint = new Map<string, CgroupMount>();
  for (const m of mounts) {
    if (m.fstype !== 'cgroup') continue;
    const controllers = m.superOptions.filter((o) => known.has(o));
    if (controllers.length === 0) continue;
    const ownPath = own.get(controllers[0]) ?? '/';
    const mount: CgroupMount = { mountpoint: m.mountpoint, root: m.root, controllers, own: ownPath };
    byMountpoint.set(m.mountpoint, mount);
    for (const c of controllers as V1Controller[]) {
      const prev = v1[c];
      // The same hierarchy can be mounted several times (bind mounts); keep the first mount
      // that actually shows our own cgroup.
      if (!prev || (!isUnder(prev.own, prev.root) && isUnder(ownPath, m.root))) v1[c] = mount;
    }
  }

  let unified: CgroupMount | null = null;
  for (const m of mounts) {
    if (m.fstype !== 'cgroup2') continue;
    const mount: CgroupMount = { mountpoint: m.mountpoint, root: m.root, controllers: [], own: own.get('') ?? '/' };
    if (!unified || m.mountpoint === '/sys/fs/cgroup') unified = mount;
  }

  const hasV1Controller = Object.keys(v1).some((c) => !c.startsWith('name='));
  if (hasV1Controller) return { version: 1, v1, unified };
  if (unified) return { version: 2, v1: {}, unified };
  throw new CgroupHostError('no cgroup filesystem is mounted (neither v1 controller hierarchies nor cgroup2)');
}

/** Each mounted hierarchy once, in mountinfo order: the v1 ones (co-mounted controllers share
 * one), or on v2 the unified one. */
export function hierarchies(host: CgroupHost): CgroupMount[] {
  if (host.version === 2) return host.unified ? [host.unified] : [];
  return [...new Set(Object.values(host.v1).filter((m): m is CgroupMount => m !== undefined))];
}

/**
 * The directory showing cgroup `path` (absolute within the hierarchy) through `mount`.
 * Paths outside the mount's root cannot be reached through it.
 */
export function hierarchyDir(mount: CgroupMount, path: string): string | null {
  const p = posix.normalize(path);
  if (!isUnder(p, mount.root)) return null;
  const rel = mount.root === '/' ? p : p.slice(mount.root.length);
  return posix.join(mount.mountpoint, rel);
}
