// GET /containers/json (list, filters evaluated by the engine) and /containers/{id}/json.
import type { ApiContext } from './context.ts';
import { containerJSON, containerSummary } from './container-json.ts';

export async function listContainers(ctx: ApiContext): Promise<void> {
  const limit = ctx.int('limit');
  const recs = ctx.engine.containers.list({ all: ctx.flag('all'), filters: ctx.filters(), ...(limit !== undefined && limit > 0 ? { last: limit } : {}) });
  const now = Date.now();
  ctx.sendJSON(200, recs.map((r) => ({ ...containerSummary(r, now), ...(ctx.flag('size') ? { SizeRw: 0, SizeRootFs: 0 } : {}) })));
}

export async function inspectContainer(ctx: ApiContext): Promise<void> {
  const r = ctx.engine.containers.inspect(ctx.params.id);
  const doc = containerJSON(r, { dir: r.bundleDir, mountSources: r.mountSources });
  const execs = ctx.server.execs.of(r.id).map((s) => s.id);
  ctx.sendJSON(200, { ...doc, ExecIDs: execs.length ? execs : null, ...(ctx.flag('size') ? { SizeRw: 0, SizeRootFs: 0 } : {}) });
}
