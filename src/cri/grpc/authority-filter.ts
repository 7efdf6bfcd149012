// crictl/critest 1.26 and kubelets before 1.30 (grpc-go of their time) send a unix socket's
// path as the HTTP/2 `:authority` of every call. Node's HTTP/2 server (nghttp2's messaging
// checks, which Node cannot turn off) answers such a stream with RST_STREAM PROTOCOL_ERROR,
// so no call would ever reach grpc-js. This filter sits between the accepted socket and the
// HTTP/2 server: it passes the client's bytes through frame by frame and, in each header
// block, replaces the characters an authority may not hold ('/' becomes '-') without changing
// any length (hpack.ts says why that keeps the compression state right).
import { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import { AuthorityRewriter } from './hpack.ts';

const PREFACE_LENGTH = 24; // "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
const FRAME_HEADER = 9;
const HEADERS = 0x1;
const CONTINUATION = 0x9;
const END_HEADERS = 0x4;
const PADDED = 0x8;
const PRIORITY = 0x20;

/** The client-to-server byte stream's frame scanner (pure: bytes in, bytes out). */
export class AuthorityScanner {
  readonly rewriter = new AuthorityRewriter();
  #pending: Buffer = Buffer.alloc(0);
  #prefaceLeft = PREFACE_LENGTH;
  /** Payload bytes of a pass-through frame still to come. */
  #passLeft = 0;
  /** HEADERS + CONTINUATION frames held until END_HEADERS. */
  #held: Buffer[] = [];

  /** Takes bytes from the client, returns the bytes to hand on (possibly none yet). */
  push(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    let data = this.#pending.length ? Buffer.concat([this.#pending, chunk]) : chunk;
    this.#pending = Buffer.alloc(0);
    while (data.length) {
      if (this.#prefaceLeft) {
        const n = Math.min(this.#prefaceLeft, data.length);
        out.push(data.subarray(0, n));
        this.#prefaceLeft -= n;
        data = data.subarray(n);
        continue;
      }
      if (this.#passLeft) {
        const n = Math.min(this.#passLeft, data.length);
        out.push(data.subarray(0, n));
        this.#passLeft -= n;
        data = data.subarray(n);
        continue;
      }
      if (data.length < FRAME_HEADER) break;
      const length = data.readUIntBE(0, 3);
      const type = data[3];
      if (type !== HEADERS && type !== CONTINUATION) {
        if (this.#held.length) {
          // Anything between HEADERS and its END_HEADERS is a connection error; let the server
          // see it as sent.
          out.push(...this.#held.splice(0));
        }
        out.push(data.subarray(0, FRAME_HEADER));
        this.#passLeft = length;
        data = data.subarray(FRAME_HEADER);
        continue;
      }
      if (data.length < FRAME_HEADER + length) break;
      // A copy: the rewrite happens in place and the socket's buffer is not ours to change.
      const frame = Buffer.from(data.subarray(0, FRAME_HEADER + length));
      data = data.subarray(FRAME_HEADER + length);
      this.#held.push(frame);
      if (frame[4] & END_HEADERS) out.push(...this.#rewriteHeld());
    }
    if (data.length) this.#pending = Buffer.from(data);
    return out;
  }

  /** Joins the held frames' fragments, rewrites the block, writes the bytes back into place. */
  #rewriteHeld(): Buffer[] {
    const frames = this.#held.splice(0);
    const spans: { frame: Buffer; start: number; end: number }[] = [];
    for (const frame of frames) {
      const flags = frame[4];
      let start = FRAME_HEADER;
      let end = frame.length;
      if (frame[3] === HEADERS) {
        if (flags & PADDED) { end -= frame[start]; start += 1; }
        if (flags & PRIORITY) start += 5;
      }
      if (start > end) return frames; // malformed: the server will say so
      spans.push({ frame, start, end });
    }
    const block = Buffer.concat(spans.map((s) => s.frame.subarray(s.start, s.end)));
    try {
      this.rewriter.rewrite(block);
    } catch {
      return frames; // not decodable: unchanged, nghttp2 reports the compression error itself
    }
    let at = 0;
    for (const s of spans) {
      block.copy(s.frame, s.start, at, at + (s.end - s.start));
      at += s.end - s.start;
    }
    return frames;
  }
}

/** The accepted socket as a Duplex whose readable side went through the scanner. */
export function filterAuthority(socket: Socket): Duplex {
  const scanner = new AuthorityScanner();
  // The HTTP/2 session writes through Node's JS stream wrapper, one frame at a time, each write
  // finished before the next: passed on as is, a unary call's answer took four write(2)s and
  // event loop turns. Frames queued meanwhile go out together, and a write is done once the
  // socket took it (its own buffer and 'drain' keep the back-pressure).
  const send = (bufs: Buffer[], done: (e?: Error | null) => void) => {
    if (socket.write(bufs.length === 1 ? bufs[0] : Buffer.concat(bufs))) done();
    else socket.once('drain', () => done());
  };
  const duplex = new Duplex({
    read() { socket.resume(); },
    write(chunk: Buffer, _enc, done) { send([chunk], done); },
    writev(chunks, done) { send(chunks.map((c) => c.chunk as Buffer), done); },
    final(done) { socket.end(); done(); },
    destroy(err, done) { socket.destroy(); done(err); },
  });
  socket.on('data', (chunk: Buffer) => {
    let more = true;
    for (const b of scanner.push(chunk)) more = duplex.push(b) && more;
    if (!more) socket.pause();
  });
  socket.on('end', () => duplex.push(null));
  socket.on('error', (e) => duplex.destroy(e));
  socket.on('close', () => { if (!duplex.destroyed) duplex.destroy(); });
  return duplex;
}
