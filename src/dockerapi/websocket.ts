// RFC 6455 websocket framing, the server's side, for the websocket attach
// (/containers/{id}/attach/ws): the handshake's accept key, frames out (unmasked), and a parser
// for the client's frames (masked; fragmented messages reassembled).
import { createHash } from 'node:crypto';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export const OP_CONT = 0x0, OP_TEXT = 0x1, OP_BINARY = 0x2, OP_CLOSE = 0x8, OP_PING = 0x9, OP_PONG = 0xa;

/** Sec-WebSocket-Accept for a client's Sec-WebSocket-Key. */
export function acceptKey(key: string): string {
  return createHash('sha1').update(key + GUID).digest('base64');
}

/** One final frame, as a server sends it (no mask). */
export function encodeFrame(opcode: number, payload: Buffer | string = Buffer.alloc(0)): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload) : payload;
  let head: Buffer;
  if (data.length < 126) {
    head = Buffer.from([0x80 | opcode, data.length]);
  } else if (data.length < 65536) {
    head = Buffer.alloc(4);
    head[0] = 0x80 | opcode; head[1] = 126; head.writeUInt16BE(data.length, 2);
  } else {
    head = Buffer.alloc(10);
    head[0] = 0x80 | opcode; head[1] = 127; head.writeBigUInt64BE(BigInt(data.length), 2);
  }
  return Buffer.concat([head, data]);
}

export interface WsMessage { opcode: number; data: Buffer }

export class WsProtocolError extends Error {
  override name = 'WsProtocolError';
}

/** Largest message accepted from a client (stdin chunks are small). */
const MAX_MESSAGE = 16 << 20;

/** Client frames → messages (data messages reassembled from fragments; control frames as they
 * come). A client frame must be masked (RFC 6455 5.1). */
export class FrameParser {
  #buf: Buffer = Buffer.alloc(0);
  #fragments: Buffer[] = [];
  #fragOpcode = 0;

  push(chunk: Buffer): WsMessage[] {
    this.#buf = this.#buf.length ? Buffer.concat([this.#buf, chunk]) : chunk;
    const out: WsMessage[] = [];
    for (;;) {
      const b = this.#buf;
      if (b.length < 2) break;
      const fin = (b[0] & 0x80) !== 0, opcode = b[0] & 0x0f, masked = (b[1] & 0x80) !== 0;
      let len = b[1] & 0x7f, off = 2;
      if (len === 126) { if (b.length < 4) break; len = b.readUInt16BE(2); off = 4; }
      else if (len === 127) {
        if (b.length < 10) break;
        const big = b.readBigUInt64BE(2);
        if (big > BigInt(MAX_MESSAGE)) throw new WsProtocolError('frame too large');
        len = Number(big); off = 10;
      }
      if (!masked) throw new WsProtocolError('client frames must be masked');
      if (len > MAX_MESSAGE) throw new WsProtocolError('frame too large');
      if (b.length < off + 4 + len) break;
      const mask = b.subarray(off, off + 4);
      const data = Buffer.from(b.subarray(off + 4, off + 4 + len));
      for (let i = 0; i < data.length; i++) data[i] ^= mask[i & 3];
      this.#buf = b.subarray(off + 4 + len);
      if (opcode >= 0x8) { out.push({ opcode, data }); continue; }
      if (opcode !== OP_CONT) { this.#fragOpcode = opcode; this.#fragments = []; }
      this.#fragments.push(data);
      if (this.#fragments.reduce((n, f) => n + f.length, 0) > MAX_MESSAGE) throw new WsProtocolError('message too large');
      if (fin) { out.push({ opcode: this.#fragOpcode, data: Buffer.concat(this.#fragments) }); this.#fragments = []; }
    }
    return out;
  }
}

/** A client's frame (masked), for tests and clients. */
export function encodeClientFrame(opcode: number, payload: Buffer | string, mask = Buffer.from([1, 2, 3, 4])): Buffer {
  const data = Buffer.from(typeof payload === 'string' ? Buffer.from(payload) : payload);
  const plain = encodeFrame(opcode, data);
  const headLen = plain.length - data.length;
  const head = Buffer.from(plain.subarray(0, headLen));
  head[1] |= 0x80;
  for (let i = 0; i < data.length; i++) data[i] ^= mask[i & 3];
  return Buffer.concat([head, mask, data]);
}
