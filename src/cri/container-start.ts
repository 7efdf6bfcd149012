// StartContainer: starts a created container in its (running) pod.
import type { CriContext } from './context.ts';
import { invalidArgument } from './errors.ts';
import type { ContainerIdRequest } from './types.ts';

export async function startContainer(ctx: CriContext, req: ContainerIdRequest): Promise<object> {
  if (!req.containerId) throw invalidArgument('StartContainer: container_id is required');
  await ctx.engine.containers.start(req.containerId);
  return {};
}
