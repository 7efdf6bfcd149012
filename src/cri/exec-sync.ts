// ExecSync: runs a command in a running container to its end and returns its output and exit
// code; past `timeout` seconds (0: none) the command is killed and the call fails.
import type { CriContext } from './context.ts';
import { CriError, invalidArgument } from './errors.ts';
import { status } from '@grpc/grpc-js';
import type { ExecSyncRequest, ExecSyncResponse } from './types.ts';

export async function execSync(ctx: CriContext, req: ExecSyncRequest): Promise<ExecSyncResponse> {
  if (!req.containerId) throw invalidArgument('ExecSync: container_id is required');
  if (!req.cmd.length) throw invalidArgument('ExecSync: cmd is required');
  const timeout = Number(req.timeout);
  const r = await ctx.engine.containers.execCapture(req.containerId, { cmd: [...req.cmd] }, timeout > 0 ? timeout * 1000 : 0);
  if (r.timedOut) throw new CriError(status.DEADLINE_EXCEEDED, `ExecSync: command ${JSON.stringify(req.cmd)} timed out after ${timeout}s`);
  return { stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode };
}
