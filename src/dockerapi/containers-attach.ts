// POST /containers/{id}/attach: the hijacked connection carries the container's output (from
// its log, so nothing written before the attach connected is lost) and, with stdin=1, the
// client's bytes to the container's stdin; the client's half-close closes that stdin. An
// attach made before start (what `docker run` does) waits for the start.
import { attachStdin, type ContainerRecord, type StdinSession } from '../engine/index.ts';
import type { Duplex } from 'node:stream';
import type { ApiContext } from './context.ts';
import { OutputEncoder, streamType } from './output.ts';

export async function attachContainer(ctx: ApiContext): Promise<void> {
  const e = ctx.engine.containers;
  const rec = e.get(ctx.params.id);
  const tty = rec.config.tty;
  const wantStdin = ctx.flag('stdin') && rec.config.openStdin;
  const enc = new OutputEncoder(tty, { stdout: ctx.flag('stdout'), stderr: ctx.flag('stderr') });
  const stream = ctx.flag('stream');
  const sock = ctx.hijack(streamType(tty, ctx.version));
  let session: StdinSession | undefined;
  let unregister = () => {};
  try {
    if (wantStdin) {
      sock.pause();
      const connect = async (r: ContainerRecord) => {
        session = await attachStdin(ctx.engine, r.id, ctx.server.attachHelper);
        sock.pipe(session.stdin);
        sock.resume();
      };
      if (rec.state.status === 'running') await connect(rec);
      else unregister = waitForStart(ctx, rec.id, connect);
    }
    if (!stream) {
      // logs=1 without stream: what the log holds, then the end.
      await copyOut(sock, enc, e.logs(rec.id, { signal: ctx.signal }));
    } else {
      // From the log's end now (logs=1: from its start), until the container stops — once it
      // started, for an attach made before the start.
      const before = rec.state.startedAt;
      const wasRunning = rec.state.status === 'running';
      const started = () => {
        if (wasRunning) return true;
        try { return e.get(rec.id).state.startedAt !== before; } catch { return true; }
      };
      await copyOut(sock, enc, e.logs(rec.id, { follow: true, fromNow: !ctx.flag('logs'), started, signal: ctx.signal }));
    }
  } finally {
    unregister();
    session?.child.kill();
    if (!sock.destroyed) sock.end();
  }
}

async function copyOut(sock: Duplex, enc: OutputEncoder, entries: AsyncIterable<Parameters<OutputEncoder['encode']>[0]>): Promise<void> {
  for await (const entry of entries) {
    const data = enc.encode(entry);
    if (!data) continue;
    if (sock.destroyed) return;
    if (!sock.write(data)) await new Promise<void>((r) => { sock.once('drain', r); sock.once('close', r); });
  }
}

/** Registers a stdin connection for the container's next start (start's beforeStart). */
function waitForStart(ctx: ApiContext, id: string, connect: (r: ContainerRecord) => Promise<void>): () => void {
  const pending = ctx.server.pendingStdin;
  let set = pending.get(id);
  if (!set) pending.set(id, (set = new Set()));
  const once = async (r: ContainerRecord) => { set!.delete(once); await connect(r); };
  set.add(once);
  return () => {
    set!.delete(once);
    if (!set!.size && pending.get(id) === set) pending.delete(id);
  };
}
