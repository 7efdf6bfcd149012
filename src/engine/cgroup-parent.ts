// The engine puts every container under one parent cgroup (/berth/<id> by default, like docker's
// /docker). The runtime removes the container's own cgroup on delete; the parent goes when its
// last container does (a long-lived engine's own parent when it settles: core.ts
// releaseCgroupParent), so an idle host keeps no berth cgroup. A concurrent create that loses the
// parent in between recreates it (its mkdir is recursive).
import { rmdirSync } from 'node:fs';
import { hierarchies, hierarchyDir } from '../runtime/cgroups/index.ts';
import { probeHost } from '../runtime/host.ts';
import { creatable } from '../runtime/rootless.ts';
import { rootlessUser } from '../util/userns.ts';

/** Why resource limits cannot apply to a container under `parent`: rootless, with a cgroup
 * hierarchy the user cannot write (cgroup v1 is never delegated; v2 only when systemd or an
 * admin delegates a subtree). null when they can. */
export function limitsRefusal(parent: string): string | null {
  const user = rootlessUser();
  if (!user) return null;
  const host = probeHost().cgroup;
  for (const mount of hierarchies(host)) {
    const dir = hierarchyDir(mount, `/${parent}`);
    if (dir && !creatable(dir)) {
      return `resource limits cannot apply rootless here: ${dir} cannot be made by uid ${user.uid} (cgroup v${host.version} is not delegated to this user${host.version === 1 ? '; cgroup v1 never is' : ''}); run without --memory, --memory-swap, --cpus and --pids-limit, or as root`;
    }
  }
  return null;
}

export function removeEmptyCgroupParent(parent: string): void {
  // The host's layout as the runtime probed it (cached per process: no second mountinfo read).
  const host = probeHost().cgroup;
  // On a hybrid host runc (--runtime runc) also makes the container's cgroup in the cgroup2
  // mount: its parent goes too.
  const mounts = [...hierarchies(host), ...(host.version === 1 && host.unified ? [host.unified] : [])];
  for (const mount of mounts) {
    const dir = hierarchyDir(mount, `/${parent}`);
    if (!dir) continue;
    try { rmdirSync(dir); } catch { /* still has containers (EBUSY/ENOTEMPTY), or already gone */ }
  }
}
