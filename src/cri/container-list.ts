// ListContainers: the containers of pods (a plain `berth run` container has no sandbox and is
// not the CRI's), filtered by id (or prefix), state, sandbox and label selector.
import type { CriContext } from './context.ts';
import { containerState, selects, toContainer } from './convert.ts';
import type { Container, ListContainersRequest } from './types.ts';

export async function listContainers(ctx: CriContext, req: ListContainersRequest): Promise<{ containers: Container[] }> {
  const f = req.filter;
  const containers = ctx.engine.containers.list({ all: true })
    .filter((r) => !!r.config.pod)
    .filter((r) => !f?.id || r.id.startsWith(f.id))
    .filter((r) => !f?.podSandboxId || r.config.pod!.podId.startsWith(f.podSandboxId))
    .filter((r) => !f?.state || containerState(r) === f.state.state)
    .filter((r) => selects(f?.labelSelector, r.config.labels))
    .map(toContainer);
  return { containers };
}
