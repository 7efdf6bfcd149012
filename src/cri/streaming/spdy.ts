// A server side of SPDY/3.1 (framing as draft-mbelshe-httpbis-spdy-00 and the 3.1 amendments
// define it), as Kubernetes' streaming clients use it over an upgraded HTTP/1.1 connection:
// the client opens streams (SYN_STREAM with headers such as streamType), we answer each with
// SYN_REPLY, and both sides send DATA until FIN. Header blocks are zlib-compressed with the
// SPDY/3 dictionary, one zlib stream per direction for the session's life.
// Flow control: we never hold output back for the peer's window. Go's spdystream (crictl,
// kubelet's clients) never sends WINDOW_UPDATE, so honouring the 64 KiB initial window would
// stall every stream after 64 KiB; the socket's own back-pressure paces us instead.
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { constants as z, createDeflate, createInflate, type Deflate, type Inflate } from 'node:zlib';
import { SPDY3_DICTIONARY } from './spdy-dictionary.ts';

export const SYN_STREAM = 1, SYN_REPLY = 2, RST_STREAM = 3, SETTINGS = 4, PING = 6, GOAWAY = 7, HEADERS = 8, WINDOW_UPDATE = 9;
export const FLAG_FIN = 0x01;
const VERSION = 3;
/** RST_STREAM status codes used here. */
export const RST_PROTOCOL_ERROR = 1, RST_REFUSED_STREAM = 3, RST_CANCEL = 5;

export type Headers = Record<string, string>;

export interface Frame { control: boolean; type: number; streamId: number; flags: number; data: Buffer }

/** Splits bytes into frames; keeps a partial frame for the next call. */
export class FrameReader {
  #buf: Buffer = Buffer.alloc(0);
  push(chunk: Buffer): Frame[] {
    this.#buf = this.#buf.length ? Buffer.concat([this.#buf, chunk]) : chunk;
    const out: Frame[] = [];
    while (this.#buf.length >= 8) {
      const len = this.#buf.readUIntBE(5, 3);
      if (this.#buf.length < 8 + len) break;
      const control = (this.#buf[0] & 0x80) !== 0;
      const flags = this.#buf[4];
      const data = this.#buf.subarray(8, 8 + len);
      if (control) out.push({ control, type: this.#buf.readUInt16BE(2), streamId: 0, flags, data });
      else out.push({ control, type: 0, streamId: this.#buf.readUInt32BE(0) & 0x7fffffff, flags, data });
      this.#buf = this.#buf.subarray(8 + len);
    }
    if (this.#buf.length) this.#buf = Buffer.from(this.#buf);
    return out;
  }
}

export function controlFrame(type: number, flags: number, data: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt16BE(0x8000 | VERSION, 0);
  h.writeUInt16BE(type, 2);
  h[4] = flags;
  h.writeUIntBE(data.length, 5, 3);
  return Buffer.concat([h, data]);
}

export function dataFrame(streamId: number, flags: number, data: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt32BE(streamId & 0x7fffffff, 0);
  h[4] = flags;
  h.writeUIntBE(data.length, 5, 3);
  return Buffer.concat([h, data]);
}

/** A header block before compression: count, then (name, value) pairs, 32-bit lengths. */
export function encodeHeaderBlock(h: Headers): Buffer {
  const parts: Buffer[] = [];
  const n = Buffer.alloc(4);
  n.writeUInt32BE(Object.keys(h).length);
  parts.push(n);
  for (const [k, v] of Object.entries(h)) {
    for (const s of [k.toLowerCase(), v]) {
      const b = Buffer.from(s, 'utf8');
      const l = Buffer.alloc(4);
      l.writeUInt32BE(b.length);
      parts.push(l, b);
    }
  }
  return Buffer.concat(parts);
}

export function decodeHeaderBlock(b: Buffer): Headers {
  const out: Headers = {};
  let pos = 4;
  const count = b.readUInt32BE(0);
  for (let i = 0; i < count; i++) {
    const kl = b.readUInt32BE(pos); pos += 4;
    const k = b.subarray(pos, pos + kl).toString('utf8'); pos += kl;
    const vl = b.readUInt32BE(pos); pos += 4;
    out[k] = b.subarray(pos, pos + vl).toString('utf8'); pos += vl;
  }
  return out;
}

/** One direction's zlib stream, flushed (Z_SYNC_FLUSH) after each header block. */
class Zstream {
  readonly #z: Deflate | Inflate;
  #chunks: Buffer[] = [];
  #queue: Promise<unknown> = Promise.resolve();
  constructor(z: Deflate | Inflate) {
    this.#z = z;
    z.on('data', (d: Buffer) => this.#chunks.push(d));
    z.on('error', () => { /* reported by the pending run's flush */ });
  }
  run(input: Buffer): Promise<Buffer> {
    const p = this.#queue.then(() => new Promise<Buffer>((resolve, reject) => {
      this.#chunks = [];
      this.#z.write(input);
      this.#z.flush(z.Z_SYNC_FLUSH, () => {
        if (this.#z.destroyed) reject(new Error('SPDY header compression failed'));
        else resolve(Buffer.concat(this.#chunks));
      });
    }));
    this.#queue = p.catch(() => {});
    return p;
  }
  close(): void { this.#z.destroy(); }
}

export class SpdyStream extends EventEmitter {
  readonly id: number;
  readonly headers: Headers;
  readonly #session: SpdySession;
  closedLocal = false;
  closedRemote = false;
  constructor(session: SpdySession, id: number, headers: Headers) {
    super();
    this.#session = session;
    this.id = id;
    this.headers = headers;
  }
  /** Sends bytes on the stream (in frames of at most 16 KiB); false when the socket is full. */
  write(data: Buffer): boolean {
    if (this.closedLocal) return true;
    let ok = true;
    for (let i = 0; i < data.length; i += 16384) ok = this.#session.send(dataFrame(this.id, 0, data.subarray(i, i + 16384))) && ok;
    return ok;
  }
  /** Our half is done (an empty DATA frame with FIN). */
  end(data?: Buffer): void {
    if (data?.length) this.write(data);
    if (this.closedLocal) return;
    this.closedLocal = true;
    this.#session.send(dataFrame(this.id, FLAG_FIN, Buffer.alloc(0)));
  }
  reset(status = RST_CANCEL): void {
    this.closedLocal = this.closedRemote = true;
    this.#session.resetStream(this.id, status);
  }
}

/** Events: 'stream' (SpdyStream, once its SYN_REPLY went out), 'close'. A stream emits 'data'
 * (Buffer), 'end' (the peer's FIN) and 'close' (reset or session end). */
export class SpdySession extends EventEmitter {
  readonly #sock: Duplex;
  readonly #reader = new FrameReader();
  readonly #inflate = new Zstream(createInflate({ dictionary: SPDY3_DICTIONARY }));
  readonly #deflate = new Zstream(createDeflate({ dictionary: SPDY3_DICTIONARY }));
  readonly streams = new Map<number, SpdyStream>();
  /** Frames are handled in order; header (de)compression makes some handling asynchronous. */
  #work: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(sock: Duplex, head?: Buffer) {
    super();
    this.#sock = sock;
    sock.on('data', (d: Buffer) => this.#feed(d));
    sock.on('error', () => this.close());
    sock.on('close', () => this.close());
    if (head?.length) this.#feed(head);
  }

  #feed(d: Buffer): void {
    for (const f of this.#reader.push(d)) {
      this.#work = this.#work.then(() => this.#handle(f)).catch((e: Error) => { this.emit('error', e); this.close(); });
    }
  }

  send(b: Buffer): boolean {
    if (this.#closed || this.#sock.destroyed) return true;
    return this.#sock.write(b);
  }

  /** Waits until the socket can take more (back-pressure for stream writers). */
  drained(): Promise<void> {
    return new Promise((r) => (this.#sock.writableNeedDrain ? this.#sock.once('drain', r) : r()));
  }

  resetStream(id: number, status: number): void {
    const b = Buffer.alloc(8);
    b.writeUInt32BE(id & 0x7fffffff, 0);
    b.writeUInt32BE(status, 4);
    this.send(controlFrame(RST_STREAM, 0, b));
    const s = this.streams.get(id);
    if (s) { this.streams.delete(id); s.emit('close'); }
  }

  async #handle(f: Frame): Promise<void> {
    if (!f.control) {
      const s = this.streams.get(f.streamId);
      if (!s) return; // data for a stream that was reset: dropped, as the protocol allows
      if (f.data.length) s.emit('data', f.data);
      if (f.flags & FLAG_FIN) { s.closedRemote = true; s.emit('end'); this.#maybeForget(s); }
      return;
    }
    switch (f.type) {
      case SYN_STREAM: {
        const id = f.data.readUInt32BE(0) & 0x7fffffff;
        const headers = decodeHeaderBlock(await this.#inflate.run(f.data.subarray(10)));
        const s = new SpdyStream(this, id, headers);
        this.streams.set(id, s);
        const reply = Buffer.alloc(4);
        reply.writeUInt32BE(id, 0);
        this.send(controlFrame(SYN_REPLY, 0, Buffer.concat([reply, await this.#deflate.run(encodeHeaderBlock({}))])));
        if (f.flags & FLAG_FIN) s.closedRemote = true;
        this.emit('stream', s);
        if (s.closedRemote) s.emit('end');
        return;
      }
      case RST_STREAM: {
        const id = f.data.readUInt32BE(0) & 0x7fffffff;
        const s = this.streams.get(id);
        if (s) { s.closedLocal = s.closedRemote = true; this.streams.delete(id); s.emit('close'); }
        return;
      }
      case PING: this.send(controlFrame(PING, 0, f.data)); return;
      case GOAWAY: this.close(); return;
      case HEADERS: await this.#inflate.run(f.data.subarray(4)); return; // kept in step; nothing to act on
      case SETTINGS: case WINDOW_UPDATE: return; // no flow control of our output (see the top)
      default: return; // unknown control frames are ignored (the protocol says so)
    }
  }

  #maybeForget(s: SpdyStream): void {
    if (s.closedLocal && s.closedRemote) this.streams.delete(s.id);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const s of this.streams.values()) s.emit('close');
    this.streams.clear();
    this.#inflate.close();
    this.#deflate.close();
    this.#sock.destroy();
    this.emit('close');
  }

  /** GOAWAY, then the connection ends once what was written is out. */
  goAway(): void {
    const b = Buffer.alloc(8);
    this.send(controlFrame(GOAWAY, 0, b));
    this.#sock.end();
  }
}
