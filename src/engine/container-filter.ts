// docker's container filters (ps --filter, GET /containers/json?filters=): each key's values
// are alternatives (labels excepted: all must hold), the keys must all hold.
import { EngineError } from './errors.ts';
import type { ContainerRecord } from './types.ts';

export class InvalidFilterError extends EngineError {
  override name = 'InvalidFilterError';
}

function one(r: ContainerRecord, k: string, v: string): boolean {
  switch (k) {
    case 'id': return r.id.startsWith(v);
    case 'name': { try { return new RegExp(v.replace(/^\//, '')).test(r.name); } catch { return r.name === v; } }
    case 'status': return v === 'paused' ? r.state.status === 'running' && !!r.state.paused
      : v === 'running' ? r.state.status === 'running' && !r.state.paused : r.state.status === v;
    case 'exited': return r.state.status === 'exited' && String(r.state.exitCode) === v;
    case 'label': {
      const i = v.indexOf('=');
      const lk = i < 0 ? v : v.slice(0, i);
      return lk in r.config.labels && (i < 0 || r.config.labels[lk] === v.slice(i + 1));
    }
    case 'ancestor': return r.config.image === v || r.config.imageName === v || r.config.imageId.startsWith(v) || r.config.imageId.startsWith(`sha256:${v}`);
    case 'network': return r.config.networkMode === v || v in r.state.networks || (r.config.extraNetworks ?? []).includes(v);
    case 'volume': return r.config.mounts.some((m) => m.source === v || m.target === v);
    case 'health': return v === 'none';
    case 'is-task': return v === 'false';
    case 'publish': case 'expose': {
      const [port, proto = 'tcp'] = v.split('/');
      return r.config.publish.some((p) => p.protocol === proto && String(k === 'publish' ? p.hostPort : p.containerPort) === port);
    }
    default: throw new InvalidFilterError(`invalid filter '${k}'`);
  }
}

const STATUSES = ['created', 'restarting', 'running', 'removing', 'paused', 'exited', 'dead'];

/** Checks the filters' keys and status values before any container is looked at. */
export function checkContainerFilters(filters: Record<string, string[]>): void {
  for (const [k, vals] of Object.entries(filters)) {
    if (!['id', 'name', 'status', 'exited', 'label', 'ancestor', 'network', 'volume', 'health', 'is-task', 'publish', 'expose'].includes(k)) throw new InvalidFilterError(`invalid filter '${k}'`);
    if (k === 'status') for (const v of vals) if (!STATUSES.includes(v)) throw new InvalidFilterError(`invalid filter 'status=${v}'`);
  }
}

/** Whether a filter map holds: a key's values are alternatives, except labels, which must all
 * be there (docker's rule for every kind of object). */
export function filtersHold(filters: Record<string, string[]>, test: (key: string, value: string) => boolean): boolean {
  return Object.entries(filters).every(([k, vals]) => vals.length === 0 || (k === 'label' ? vals.every((v) => test(k, v)) : vals.some((v) => test(k, v))));
}

export function matchesContainer(r: ContainerRecord, filters: Record<string, string[]>): boolean {
  return filtersHold(filters, (k, v) => one(r, k, v));
}
