// docker container prune: every container that is not running (nor restarting), narrowed by
// docker's prune filters (until=, label=, label!=).
import type { EngineCore } from '../core.ts';
import { pruneMatcher } from '../filters.ts';
import type { Filters } from '../requests.ts';
import { remove } from './remove.ts';

export interface PruneResult { removed: string[]; spaceReclaimed: number; /** containers that could not be removed, with why */ errors: { id: string; message: string }[] }

export async function pruneContainers(core: EngineCore, filters: Filters = {}): Promise<PruneResult> {
  const match = pruneMatcher(filters);
  const out: PruneResult = { removed: [], spaceReclaimed: 0, errors: [] };
  for (const r of core.refreshAll(core.store.list())) {
    if (r.state.status === 'running' || r.state.status === 'restarting') continue;
    if (!match(r.created, r.config.labels)) continue;
    try { await remove(core, r.id, {}); out.removed.push(r.id); } catch (e) { out.errors.push({ id: r.id, message: (e as Error).message }); }
  }
  return out;
}
