// RemovePodSandbox: removes the pod with its containers, stopping what still runs; a pod that
// is already gone is not an error (the CRI asks for idempotence).
import { NoSuchPodError } from '../engine/index.ts';
import type { CriContext } from './context.ts';
import { invalidArgument } from './errors.ts';
import type { PodSandboxIdRequest } from './types.ts';

export async function removePodSandbox(ctx: CriContext, req: PodSandboxIdRequest): Promise<object> {
  if (!req.podSandboxId) throw invalidArgument('RemovePodSandbox: pod_sandbox_id is required');
  try {
    await ctx.engine.pods.remove(req.podSandboxId, { force: true });
  } catch (e) {
    if (!(e instanceof NoSuchPodError)) throw e;
  }
  return {};
}
