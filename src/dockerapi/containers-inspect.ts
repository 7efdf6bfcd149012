// GET /containers/json (list, filters evaluated by the engine) and /containers/{id}/json.
import { checkContainerFilters, matchesContainer, type ContainerRecord } from '../engine/index.ts';
import type { ApiContext } from './context.ts';
import { containerJSON, containerSummary, type ContainerPaths } from './container-json.ts';

export function pathsOf(ctx: ApiContext, r: ContainerRecord): ContainerPaths {
  const e = ctx.engine;
  return { dir: e.dir(r.id), volumeMountpoint: (n) => e.store.volumeMountpoint(n) };
}

export async function listContainers(ctx: ApiContext): Promise<void> {
  const filters = ctx.filters();
  checkContainerFilters(filters);
  const limit = ctx.int('limit');
  const all = ctx.flag('all') || (limit !== undefined && limit > 0) || 'status' in filters || 'exited' in filters;
  let recs = ctx.engine.list(all).filter((r) => matchesContainer(r, filters));
  recs.sort((a, b) => b.created.localeCompare(a.created));
  if (limit !== undefined && limit > 0) recs = recs.slice(0, limit);
  const now = Date.now();
  ctx.sendJSON(200, recs.map((r) => ({ ...containerSummary(r, pathsOf(ctx, r), now), ...(ctx.flag('size') ? { SizeRw: 0, SizeRootFs: 0 } : {}) })));
}

export async function inspectContainer(ctx: ApiContext): Promise<void> {
  const r = ctx.engine.get(ctx.params.id);
  const doc = containerJSON(r, pathsOf(ctx, r));
  const execs = ctx.server.execs.of(r.id).map((s) => s.id);
  ctx.sendJSON(200, { ...doc, ExecIDs: execs.length ? execs : null, ...(ctx.flag('size') ? { SizeRw: 0, SizeRootFs: 0 } : {}) });
}
