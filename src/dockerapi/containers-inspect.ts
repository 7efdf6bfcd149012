// GET /containers/json (list, filters evaluated by the engine) and /containers/{id}/json, with
// the engine's measured sizes on `size=1`.
import type { ContainerSize } from '../engine/index.ts';
import type { ApiContext } from './context.ts';
import { containerJSON, containerSummary } from './container-json.ts';

export async function listContainers(ctx: ApiContext): Promise<void> {
  const limit = ctx.int('limit');
  const recs = ctx.engine.containers.list({ all: ctx.flag('all'), filters: ctx.filters(), ...(limit !== undefined && limit > 0 ? { last: limit } : {}) });
  const now = Date.now();
  // size=1: measured by the engine (du), only when asked for, as docker does.
  const sizes = ctx.flag('size') ? await ctx.engine.containers.sizes(recs) : undefined;
  ctx.sendJSON(200, recs.map((r) => ({ ...containerSummary(r, now), ...sizeFields(sizes, r.id) })));
}

export async function inspectContainer(ctx: ApiContext): Promise<void> {
  const r = ctx.engine.containers.inspect(ctx.params.id);
  const doc = containerJSON(r, { dir: r.bundleDir, mountSources: r.mountSources });
  const execs = ctx.server.execs.of(r.id).map((s) => s.id);
  const sizes = ctx.flag('size') ? await ctx.engine.containers.sizes([r]) : undefined;
  ctx.sendJSON(200, { ...doc, ExecIDs: execs.length ? execs : null, ...sizeFields(sizes, r.id) });
}

function sizeFields(sizes: Map<string, ContainerSize> | undefined, id: string): { SizeRw?: number; SizeRootFs?: number } {
  const s = sizes?.get(id);
  return s ? { SizeRw: s.rw, SizeRootFs: s.rootFs } : {};
}
