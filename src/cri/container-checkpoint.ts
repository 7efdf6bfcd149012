// CheckpointContainer: the engine decides (src/engine/checkpoint.ts); today it refuses, which
// answers UNIMPLEMENTED with the reason (errors.ts), as kubelet expects of a runtime without it.
import { checkpointContainer } from '../engine/index.ts';
import type { CriContext } from './context.ts';
import { invalidArgument } from './errors.ts';
import type { CheckpointContainerRequest } from './types.ts';

export async function checkpoint(ctx: CriContext, req: CheckpointContainerRequest): Promise<object> {
  if (!req.containerId) throw invalidArgument('CheckpointContainer: container_id is required');
  if (!req.location) throw invalidArgument('CheckpointContainer: location is required');
  await checkpointContainer(ctx.engine, req.containerId, req.location);
  return {};
}
