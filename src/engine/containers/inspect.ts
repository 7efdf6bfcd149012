// A container's inspect data (docker inspect): the record, up to date, and the host paths it
// names. A read of the store alone: the full engine's ContainerService and the query face
// (src/engine/query.ts) both answer with it.
import { join } from 'node:path';
import type { StoreCore } from '../store-core.ts';
import type { ContainerRecord } from '../types.ts';

/** docker inspect's data: the record and the host paths it names. */
export interface ContainerInspect extends ContainerRecord {
  /** The bundle directory (config.json, rootfs/, hosts, hostname, resolv.conf). */
  bundleDir: string;
  logPath: string;
  /** The host path behind each of config.mounts (a volume's mount point, a bind's source). */
  mountSources: string[];
}

export function inspectContainer(core: StoreCore, ref: string): ContainerInspect {
  const rec = core.get(ref), dir = core.dir(rec.id);
  const mountSources = rec.config.mounts.map((m) => m.type === 'volume' ? core.store.volumeMountpoint(m.source) : m.source);
  return { ...rec, bundleDir: dir, logPath: join(dir, 'ctr.log'), mountSources };
}
