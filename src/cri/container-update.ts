// UpdateContainerResources: memory and CPU limits, at once through the runtime for a running
// container and kept for its next start (engine.update).
import type { CriContext } from './context.ts';
import { resourcesOf } from './container-create.ts';
import { invalidArgument } from './errors.ts';
import type { UpdateContainerResourcesRequest } from './types.ts';

export async function updateContainerResources(ctx: CriContext, req: UpdateContainerResourcesRequest): Promise<object> {
  if (!req.containerId) throw invalidArgument('UpdateContainerResources: container_id is required');
  const r = resourcesOf(req.linux);
  await ctx.engine.containers.update(req.containerId, r);
  return {};
}
