// Attach: a URL on the streaming server that connects the client to the container's own stdio
// (through conmon's attach socket), remote command v4 over SPDY as for Exec.
import type { CriContext } from './context.ts';
import { failedPrecondition, invalidArgument } from './errors.ts';
import { awaitStreams, failSession, pipeProcess } from './streaming/remote-command.ts';
import { EXEC_PROTOCOLS } from './streaming/server.ts';
import type { AttachRequest } from './types.ts';

export async function attach(ctx: CriContext, req: AttachRequest): Promise<{ url: string }> {
  if (!req.containerId) throw invalidArgument('Attach: container_id is required');
  if (!req.stdin && !req.stdout && !req.stderr) throw invalidArgument('Attach: one of stdin, stdout and stderr must be set');
  const rec = ctx.engine.containers.get(req.containerId);
  if (rec.state.status !== 'running') throw failedPrecondition(`Attach: container ${rec.id} is not running`);
  if (req.tty !== rec.config.tty) throw invalidArgument(`Attach: tty=${req.tty}, but the container was created with tty=${rec.config.tty}`);
  if (req.stdin && !rec.config.openStdin) throw invalidArgument('Attach: the container was not created with stdin');
  const url = ctx.streaming().register({
    kind: 'attach', protocols: EXEC_PROTOCOLS,
    serve: (session) => {
      awaitStreams(session, { stdin: req.stdin, stdout: req.stdout, stderr: req.stderr, tty: req.tty }).then((streams) => {
        let child;
        try {
          child = ctx.engine.containers.attachPiped(rec.id, { stdin: req.stdin, tty: req.tty });
        } catch (e) {
          failSession(session, streams, (e as Error).message);
          return;
        }
        pipeProcess(session, streams, child);
      }, (e: Error) => { ctx.log(`Attach ${rec.id.slice(0, 12)}: ${e.message}`); failSession(session, undefined, e.message); });
    },
  });
  return { url };
}
