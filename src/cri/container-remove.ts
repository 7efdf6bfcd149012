// RemoveContainer: removes the container, killing it if it still runs; one already gone is not
// an error (the CRI asks for idempotence).
import { NoSuchContainerError } from '../engine/index.ts';
import type { CriContext } from './context.ts';
import { invalidArgument } from './errors.ts';
import type { ContainerIdRequest } from './types.ts';

export async function removeContainer(ctx: CriContext, req: ContainerIdRequest): Promise<object> {
  if (!req.containerId) throw invalidArgument('RemoveContainer: container_id is required');
  try {
    await ctx.engine.containers.remove(req.containerId, { force: true });
  } catch (e) {
    if (!(e instanceof NoSuchContainerError)) throw e;
  }
  return {};
}
