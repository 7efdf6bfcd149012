// The engine puts every container under one parent cgroup (/berth/<id> by default, like docker's
// /docker). The runtime removes the container's own cgroup on delete; the parent goes when its
// last container does, so an idle host keeps no berth cgroup. A concurrent create that loses the
// parent in between recreates it (its mkdir is recursive).
import { rmdirSync } from 'node:fs';
import { detectCgroups, hierarchies, hierarchyDir } from '../runtime/cgroups/index.ts';

export function removeEmptyCgroupParent(parent: string): void {
  let host;
  try { host = detectCgroups(); } catch { return; }
  // On a hybrid host runc (--runtime runc) also makes the container's cgroup in the cgroup2
  // mount: its parent goes too.
  const mounts = [...hierarchies(host), ...(host.version === 1 && host.unified ? [host.unified] : [])];
  for (const mount of mounts) {
    const dir = hierarchyDir(mount, `/${parent}`);
    if (!dir) continue;
    try { rmdirSync(dir); } catch { /* still has containers (EBUSY/ENOTEMPTY), or already gone */ }
  }
}
