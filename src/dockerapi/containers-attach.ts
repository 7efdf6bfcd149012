// POST /containers/{id}/attach and GET /containers/{id}/attach/ws: the container's output (from
// its log, so nothing written before the attach connected is lost) to the client and, with
// stdin=1, the client's bytes to the container's stdin; the client's end of input closes that
// stdin (not a terminal's: the engine leaves it open, as docker does). The detach keys
// (`detachKeys`, default ctrl-p,ctrl-q) in the input end the attach and leave the container
// running. An attach made before start (what `docker run` does) waits for the start.
import { PassThrough, type Duplex, type Readable } from 'node:stream';
import { attachStdin, parseDetachKeys, pipeDetachable, type ContainerRecord, type LogEntry, type StdinSession } from '../engine/index.ts';
import type { ApiContext } from './context.ts';
import { OutputEncoder, streamType } from './output.ts';
import { acceptKey, encodeFrame, FrameParser, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG, OP_TEXT } from './websocket.ts';

export async function attachContainer(ctx: ApiContext): Promise<void> {
  const rec = ctx.engine.containers.get(ctx.params.id);
  const keys = parseDetachKeys(ctx.query.get('detachKeys') ?? '');
  const sock = ctx.hijack(streamType(rec.config.tty, ctx.version));
  await pump(ctx, rec, new OutputEncoder(rec.config.tty, { stdout: ctx.flag('stdout'), stderr: ctx.flag('stderr') }), (d) => write(sock, d), sock, keys);
  if (!sock.destroyed) sock.end();
}

/** The websocket attach: output as binary messages (raw bytes, never multiplexed), text or
 * binary messages to stdin, a close frame ends stdin. */
export async function attachWebSocket(ctx: ApiContext): Promise<void> {
  const rec = ctx.engine.containers.get(ctx.params.id);
  const keys = parseDetachKeys(ctx.query.get('detachKeys') ?? '');
  const sock = ctx.upgradeWebSocket(acceptKey);
  const input = new PassThrough();
  const parser = new FrameParser();
  sock.on('data', (chunk: Buffer) => {
    let msgs;
    try { msgs = parser.push(chunk); } catch { sock.destroy(); return; }
    for (const m of msgs) {
      if (m.opcode === OP_TEXT || m.opcode === OP_BINARY) input.write(m.data);
      else if (m.opcode === OP_PING) sock.write(encodeFrame(OP_PONG, m.data));
      else if (m.opcode === OP_CLOSE) { input.end(); if (!sock.destroyed) sock.write(encodeFrame(OP_CLOSE, m.data.subarray(0, 2))); }
    }
  });
  sock.on('end', () => input.end());
  // Without a terminal the two streams still come apart only as separate messages.
  const enc = new OutputEncoder(true, { stdout: ctx.flag('stdout'), stderr: ctx.flag('stderr') });
  await pump(ctx, rec, enc, (d) => write(sock, encodeFrame(OP_BINARY, d)), input, keys);
  if (!sock.destroyed) sock.end(encodeFrame(OP_CLOSE, Buffer.from([0x03, 0xe8])));
}

async function write(sock: Duplex, data: Buffer): Promise<void> {
  if (sock.destroyed) return;
  if (!sock.write(data)) await new Promise<void>((r) => { sock.once('drain', r); sock.once('close', r); });
}

/** Output entries to `send` until the container stops, or the client types the detach keys;
 * `input` to its stdin when asked for. */
async function pump(ctx: ApiContext, rec: ContainerRecord, enc: OutputEncoder, send: (d: Buffer) => Promise<void>, input: Readable, keys: Buffer): Promise<void> {
  const e = ctx.engine.containers;
  const wantStdin = ctx.flag('stdin') && rec.config.openStdin;
  // The detach ends the output's loop as a vanished client does; the stdin session ends
  // without closing the container's stdin (the filter's end is not passed on).
  const detach = new AbortController();
  const signal = AbortSignal.any([ctx.signal, detach.signal]);
  let session: StdinSession | undefined;
  let unregister = () => {};
  try {
    if (wantStdin) {
      input.pause();
      const connect = async (r: ContainerRecord) => {
        session = await attachStdin(ctx.engine, r.id, ctx.server.attachHelper);
        pipeDetachable(input, session.stdin, keys, () => detach.abort());
        input.resume();
      };
      if (rec.state.status === 'running') await connect(rec);
      else unregister = waitForStart(ctx, rec.id, connect);
    } else {
      input.resume();
    }
    let entries: AsyncIterable<LogEntry>;
    if (!ctx.flag('stream')) {
      // logs=1 without stream: what the log holds, then the end.
      entries = e.logs(rec.id, { signal });
    } else {
      // From the log's end now (logs=1: from its start), until the container stops — once it
      // started, for an attach made before the start.
      const before = rec.state.startedAt;
      const wasRunning = rec.state.status === 'running';
      const started = () => {
        if (wasRunning) return true;
        const s = e.state(rec.id);
        return !s || s.startedAt !== before;
      };
      entries = e.logs(rec.id, { follow: true, fromNow: !ctx.flag('logs'), started, signal });
    }
    for await (const entry of entries) {
      if (signal.aborted) break;
      const data = enc.encode(entry);
      if (data) await send(data);
    }
  } finally {
    unregister();
    session?.child.kill();
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
