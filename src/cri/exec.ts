// Exec: a URL on the streaming server where the client runs the command with its streams
// (remote command v4 over SPDY); the command starts when the client connects.
import type { CriContext } from './context.ts';
import { failedPrecondition, invalidArgument } from './errors.ts';
import { awaitStreams, failSession, pipeProcess } from './streaming/remote-command.ts';
import { EXEC_PROTOCOLS } from './streaming/server.ts';
import type { ExecRequest } from './types.ts';

export async function exec(ctx: CriContext, req: ExecRequest): Promise<{ url: string }> {
  if (!req.containerId) throw invalidArgument('Exec: container_id is required');
  if (!req.cmd.length) throw invalidArgument('Exec: cmd is required');
  if (!req.stdin && !req.stdout && !req.stderr) throw invalidArgument('Exec: one of stdin, stdout and stderr must be set');
  if (req.tty && req.stderr) throw invalidArgument('Exec: tty and stderr cannot both be set (a terminal has one output)');
  const rec = ctx.engine.containers.get(req.containerId);
  if (rec.state.status !== 'running') throw failedPrecondition(`Exec: container ${rec.id} is not running`);
  const streaming = ctx.streaming();
  const url = streaming.register({
    kind: 'exec', protocols: EXEC_PROTOCOLS,
    serve: (session) => {
      awaitStreams(session, { stdin: req.stdin, stdout: req.stdout, stderr: req.stderr, tty: req.tty }).then((streams) => {
        let child;
        try {
          child = ctx.engine.containers.execPiped(rec.id, { cmd: [...req.cmd], tty: req.tty });
        } catch (e) {
          failSession(session, streams, (e as Error).message);
          return;
        }
        pipeProcess(session, streams, child);
      }, (e: Error) => { ctx.log(`Exec ${rec.id.slice(0, 12)}: ${e.message}`); failSession(session, undefined, e.message); });
    },
  });
  return { url };
}
