// StopContainer: the stop signal, then SIGKILL after `timeout` seconds (0: at once); a stopped
// container is not an error. The answer comes once the process has exited; its clean-up (the
// runtime's delete, the monitor's end) follows in berthd's background, under the container's lock.
import type { CriContext } from './context.ts';
import { invalidArgument } from './errors.ts';
import type { StopContainerRequest } from './types.ts';

export async function stopContainer(ctx: CriContext, req: StopContainerRequest): Promise<object> {
  if (!req.containerId) throw invalidArgument('StopContainer: container_id is required');
  const timeout = Number(req.timeout);
  if (!Number.isFinite(timeout) || timeout < 0) throw invalidArgument(`StopContainer: invalid timeout ${req.timeout}`);
  await ctx.engine.containers.stop(req.containerId, { timeout, cleanUpAfter: true });
  return {};
}
