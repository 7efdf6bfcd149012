// ReopenContainerLog: kubelet rotated the container's log file; the monitor starts a new one.
import type { CriContext } from './context.ts';
import { invalidArgument } from './errors.ts';
import type { ContainerIdRequest } from './types.ts';

export async function reopenContainerLog(ctx: CriContext, req: ContainerIdRequest): Promise<object> {
  if (!req.containerId) throw invalidArgument('ReopenContainerLog: container_id is required');
  await ctx.engine.containers.reopenLog(req.containerId);
  return {};
}
