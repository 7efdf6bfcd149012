// StopPodSandbox: stops the pod's containers and its infra process (or its pins), releases its network
// (idempotent: a stopped pod stays stopped).
import type { CriContext } from './context.ts';
import { invalidArgument } from './errors.ts';
import type { PodSandboxIdRequest } from './types.ts';

export async function stopPodSandbox(ctx: CriContext, req: PodSandboxIdRequest): Promise<object> {
  if (!req.podSandboxId) throw invalidArgument('StopPodSandbox: pod_sandbox_id is required');
  await ctx.engine.pods.stop(req.podSandboxId, 0);
  return {};
}
