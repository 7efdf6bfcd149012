// planCgroup: config.json's linux section + host layout → the CgroupPlan the runtime applies.
import { posix } from 'node:path';
import { CgroupPathError } from './errors.ts';
import { hierarchyDir } from './detect.ts';
import { mapV1 } from './map-v1.ts';
import { mapV2 } from './map-v2.ts';
import { deviceRules } from './devices.ts';
import { WriteList } from './write.ts';
import type { CgroupPlan } from '../plan.ts';
import type { CgroupHost, CgroupMount, LinuxCgroupConfig } from './types.ts';
import type { Resources } from '../../oci/spec.ts';
import type { MapOptions } from './write.ts';

/** Controllers enabled in every ancestor's cgroup.subtree_control on v2 (missing ones skipped). */
export const V2_CONTROLLERS = ['cpuset', 'cpu', 'io', 'memory', 'hugetlb', 'pids', 'rdma', 'misc'] as const;

export interface CgroupPathSpec {
  /** Absolute paths sit under each hierarchy's root; relative ones under the runtime's own cgroup. */
  absolute: boolean;
  /** Cleaned path: "/a/b" when absolute, "a/b" when relative. */
  path: string;
}

/**
 * Reads linux.cgroupsPath. Absent or empty → `<id>` relative, which is runc's default with the
 * cgroupfs driver. Relative paths start at the runtime's own cgroup on v1 and at its parent on
 * v2 (as runc does). ".." cannot climb above the starting point.
 */
export function parseCgroupsPath(cgroupsPath: string | undefined, id: string): CgroupPathSpec {
  const raw = cgroupsPath ?? '';
  if (raw.includes('\0') || raw.includes('\n')) throw new CgroupPathError(raw, 'contains a NUL or newline');
  if (!raw.startsWith('/') && raw.split(':').length === 3) {
    throw new CgroupPathError(raw, 'looks like the systemd driver\'s "slice:prefix:name" form; berth has no systemd cgroup driver, use a path such as "/berth/<id>"');
  }
  const p = raw === '' ? id : raw;
  if (p === '') throw new CgroupPathError(raw, 'no cgroupsPath and no container id');
  const absolute = p.startsWith('/');
  const cleaned = posix.normalize('/' + p).replace(/(.)\/+$/, '$1'); // lexical: "/../x" → "/x", so nothing escapes
  if (cleaned === '/') throw new CgroupPathError(raw, 'names the root cgroup, which a container cannot be confined to');
  return { absolute, path: absolute ? cleaned : cleaned.slice(1) };
}

function dirIn(mount: CgroupMount, spec: CgroupPathSpec, raw: string, version: 1 | 2): string {
  // On v2 our own cgroup holds processes (ours), so it cannot delegate controllers to a child
  // ("no internal processes"); like runc, relative paths then start from its parent.
  const base = version === 2 ? posix.dirname(mount.own) : mount.own;
  const full = spec.absolute ? spec.path : posix.join(base, spec.path);
  const d = hierarchyDir(mount, full);
  if (d === null) throw new CgroupPathError(raw, `cgroup ${full} is outside what ${mount.mountpoint} shows (root ${mount.root})`);
  return d;
}

export type PlannedCgroup = CgroupPlan & { warnings: string[] };

/** Computes directories and writes for a container's cgroup. Pure. */
export function planCgroup(linux: LinuxCgroupConfig, id: string, host: CgroupHost, opts: { defaultDevices?: boolean } = {}): PlannedCgroup {
  const raw = linux.cgroupsPath ?? '';
  const spec = parseCgroupsPath(linux.cgroupsPath, id);
  const resources: Resources = linux.resources ?? {};
  const mapOpts: MapOptions = { devices: true, defaultDevices: opts.defaultDevices ?? true, deviceNodes: linux.devices ?? [] };

  if (host.version === 1) {
    const dirs: string[] = [];
    const byController = new Map<string, string>();
    const byMount = new Map<CgroupMount, string>();
    for (const [c, mount] of Object.entries(host.v1)) {
      if (!mount) continue;
      let d = byMount.get(mount);
      if (d === undefined) {
        d = dirIn(mount, spec, raw, 1);
        byMount.set(mount, d);
        dirs.push(d);
      }
      byController.set(c, d);
    }
    const list = new WriteList((c) => byController.get(c));
    mapV1(resources, list, mapOpts);
    return { version: 1, dirs, writes: list.writes, procs: dirs.map((d) => posix.join(d, 'cgroup.procs')), warnings: list.warnings };
  }

  const mount = host.unified;
  if (!mount) throw new CgroupPathError(raw, 'the host has no cgroup2 mount');
  const dir = dirIn(mount, spec, raw, 2);
  const list = new WriteList(() => dir);
  // Every ancestor from the mount down to the parent must delegate the controllers.
  for (let a = posix.dirname(dir); a.startsWith(mount.mountpoint); a = posix.dirname(a)) {
    const ws = V2_CONTROLLERS.map((c) => ({ path: posix.join(a, 'cgroup.subtree_control'), value: `+${c}`, optional: true }));
    list.writes.unshift(...ws);
    if (a === mount.mountpoint || a === '/') break;
  }
  mapV2(resources, list, mapOpts);
  // The same ordered list v1 writes to devices.deny/allow, for the eBPF program.
  const devices = [{ allow: false, rule: 'a' }, ...deviceRules(resources.devices, mapOpts.deviceNodes, mapOpts.defaultDevices ?? true)];
  return { version: 2, dirs: [dir], writes: list.writes, procs: [posix.join(dir, 'cgroup.procs')], devices, warnings: list.warnings };
}

/** The writes for `update`: same mapping, no device rules, no subtree delegation. */
export function planUpdate(resources: Resources, version: 1 | 2, dirFor: (controller: string) => string | undefined): { writes: CgroupPlan['writes']; warnings: string[] } {
  const list = new WriteList(dirFor);
  if (version === 1) mapV1(resources, list, { devices: false });
  else mapV2(resources, list, { devices: false });
  return { writes: list.writes, warnings: list.warnings };
}
