// Pod list filters (podman's `pod ps --filter` keys, which the CRI's ListPodSandbox maps onto):
// id (prefix), name, status, label (key or key=value; every one must match).
import type { PodRecord } from './types.ts';

export type PodFilters = Record<string, string[]>;

export const POD_FILTER_KEYS = ['id', 'name', 'status', 'label'];

export function matchesFilters(pod: PodRecord, filters: PodFilters): boolean {
  for (const [key, values] of Object.entries(filters)) {
    if (!values.length) continue;
    switch (key) {
      case 'id': if (!values.some((v) => pod.id.startsWith(v))) return false; break;
      case 'name': if (!values.some((v) => pod.config.name === v)) return false; break;
      case 'status': if (!values.includes(pod.state.status)) return false; break;
      case 'label':
        for (const v of values) {
          const i = v.indexOf('=');
          const k = i < 0 ? v : v.slice(0, i);
          if (!(k in pod.config.labels)) return false;
          if (i >= 0 && pod.config.labels[k] !== v.slice(i + 1)) return false;
        }
        break;
      default: throw new Error(`invalid pod filter "${key}" (known: ${POD_FILTER_KEYS.join(', ')})`);
    }
  }
  return true;
}
