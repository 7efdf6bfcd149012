// ReopenContainerLog: kubelet rotated the container's log file; the monitor starts a new one.
import { reopenLog } from '../engine/index.ts';
import type { CriContext } from './context.ts';
import { invalidArgument } from './errors.ts';
import type { ContainerIdRequest } from './types.ts';

export async function reopenContainerLog(ctx: CriContext, req: ContainerIdRequest): Promise<object> {
  if (!req.containerId) throw invalidArgument('ReopenContainerLog: container_id is required');
  await reopenLog(ctx.engine, req.containerId);
  return {};
}
