// ListPodSandbox: every pod, filtered by id (or unique prefix), state and label selector.
import type { CriContext } from './context.ts';
import { nanos, podMetadata, podState, selects } from './convert.ts';
import type { ListPodSandboxRequest, PodSandbox } from './types.ts';

export async function listPodSandbox(ctx: CriContext, req: ListPodSandboxRequest): Promise<{ items: PodSandbox[] }> {
  const f = req.filter;
  const items = ctx.engine.pods.list(f?.id ? { id: [f.id] } : {})
    .filter((p) => !f?.state || podState(p) === f.state.state)
    .filter((p) => selects(f?.labelSelector, p.config.labels))
    .map((p): PodSandbox => ({
      id: p.id, metadata: podMetadata(p), state: podState(p), createdAt: nanos(p.created), labels: { ...p.config.labels },
      annotations: { ...p.config.annotations }, runtimeHandler: '',
    }));
  return { items };
}
