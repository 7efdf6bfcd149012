// PortForward: a URL where the client forwards connections into the pod (portforward.k8s.io
// over SPDY): each forwarded connection is a pair of streams (error, data) with the same
// requestID and the port; the data stream is joined to a connection to that port inside the pod
// (engine.pods.connect: its own 127.0.0.1 included).
import type { CriContext } from './context.ts';
import { failedPrecondition, invalidArgument } from './errors.ts';
import { PORTFORWARD_PROTOCOLS } from './streaming/server.ts';
import type { SpdyStream } from './streaming/spdy.ts';
import type { PortForwardRequest } from './types.ts';

export async function portForward(ctx: CriContext, req: PortForwardRequest): Promise<{ url: string }> {
  if (!req.podSandboxId) throw invalidArgument('PortForward: pod_sandbox_id is required');
  const pod = ctx.engine.pods.get(req.podSandboxId);
  if (pod.state.status !== 'running') throw failedPrecondition(`PortForward: pod ${pod.id} is not running`);
  const url = ctx.streaming().register({
    kind: 'portforward', protocols: PORTFORWARD_PROTOCOLS,
    serve: (session) => {
      const errors = new Map<string, SpdyStream>();
      session.on('stream', (s: SpdyStream) => {
        const id = s.headers.requestid ?? '';
        if (s.headers.streamtype === 'error') { errors.set(id, s); s.on('end', () => s.end()); return; }
        if (s.headers.streamtype !== 'data') { s.reset(); return; }
        const port = Number(s.headers.port);
        if (!(port > 0 && port < 65536) || (req.port.length && !req.port.includes(port))) {
          errors.get(id)?.end(Buffer.from(`port ${s.headers.port} is not forwarded for this request`));
          s.end();
          return;
        }
        let conn;
        try { conn = ctx.engine.pods.connect(pod.id, port); } catch (e) {
          errors.get(id)?.end(Buffer.from((e as Error).message));
          s.end();
          return;
        }
        s.on('data', (d: Buffer) => conn.write(d));
        s.on('end', () => conn.end());
        s.on('close', () => conn.destroy());
        conn.on('data', (d: Buffer) => { if (!s.write(d)) { conn.pause(); void session.drained().then(() => conn.resume()); } });
        conn.on('end', () => s.end());
        conn.on('error', (e) => {
          errors.get(id)?.end(Buffer.from(`forwarding port ${port} to pod ${pod.id}: ${e.message}`));
          s.end();
        });
      });
    },
  });
  return { url };
}
