// docker's filters for volumes and networks, and volume prune's choice: evaluated here so that
// every front (CLI, Docker API) answers alike.
import type { Engine } from './engine.ts';
import { filtersHold, InvalidFilterError } from './container-filter.ts';
import type { VolumeRecord } from './store.ts';
import type { NetworkInfo } from '../network/index.ts';

function labelMatch(labels: Record<string, string>, v: string): boolean {
  const i = v.indexOf('=');
  const k = i < 0 ? v : v.slice(0, i);
  return k in labels && (i < 0 || labels[k] === v.slice(i + 1));
}

const truthy = (v: string) => v === 'true' || v === '1';

export function matchesVolume(e: Engine, v: VolumeRecord, filters: Record<string, string[]>): boolean {
  return filtersHold(filters, (k, val) => {
    switch (k) {
      case 'name': return v.name.includes(val);
      case 'driver': return val === v.driver;
      case 'label': return labelMatch(v.labels, val);
      case 'dangling': return (e.volumeUsers(v.name).length === 0) === truthy(val);
      case 'all': return true;
      default: throw new InvalidFilterError(`invalid filter '${k}'`);
    }
  });
}

/** volume prune: unused volumes matching the filters; named ones only with all=true (docker 23+). */
export async function pruneVolumes(e: Engine, filters: Record<string, string[]>): Promise<string[]> {
  const all = (filters.all ?? []).some(truthy);
  const deleted: string[] = [];
  for (const v of e.store.volumes()) {
    if ((!all && !v.anonymous) || !matchesVolume(e, v, filters) || e.volumeUsers(v.name).length) continue;
    try { await e.removeVolume(v.name); deleted.push(v.name); } catch { /* put to use meanwhile */ }
  }
  return deleted;
}

/** `builtin` names the default network; `displayName` is what the front calls it. */
export function matchesNetwork(n: NetworkInfo, filters: Record<string, string[]>, builtin: string, displayName: string): boolean {
  return filtersHold(filters, (k, v) => {
    switch (k) {
      case 'name': return displayName.includes(v);
      case 'id': return n.id.startsWith(v);
      case 'driver': return n.driver === v;
      case 'type': return v === 'custom' ? n.name !== builtin : v === 'builtin' ? n.name === builtin : false;
      case 'scope': return v === 'local';
      case 'label': return labelMatch(n.labels, v);
      case 'dangling': return true;
      default: throw new InvalidFilterError(`invalid filter '${k}'`);
    }
  });
}
