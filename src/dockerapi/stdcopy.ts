// docker's multiplexed stream (attach, logs and exec without a tty): each chunk is an 8-byte
// header — the stream (0 stdin, 1 stdout, 2 stderr, 3 systemerr), three zero bytes and the
// payload's length as a big-endian uint32 — then the payload.

export const STDIN = 0;
export const STDOUT = 1;
export const STDERR = 2;
export const SYSTEMERR = 3;
export type StreamId = 0 | 1 | 2 | 3;

/** The largest payload one frame carries (the length field is 32 bits; moby's writer uses
 * 32 KiB buffers, this keeps frames a reader can buffer). */
const MAX_FRAME = 1 << 20;

/** One or more frames holding `payload` for stream `id`. */
export function frame(id: StreamId, payload: Buffer | string): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload) : payload;
  if (data.length <= MAX_FRAME) return Buffer.concat([header(id, data.length), data]);
  const parts: Buffer[] = [];
  for (let off = 0; off < data.length; off += MAX_FRAME) {
    const chunk = data.subarray(off, off + MAX_FRAME);
    parts.push(header(id, chunk.length), chunk);
  }
  return Buffer.concat(parts);
}

function header(id: StreamId, length: number): Buffer {
  const h = Buffer.alloc(8);
  h[0] = id;
  h.writeUInt32BE(length, 4);
  return h;
}

export interface Frame { stream: StreamId; data: Buffer }

/** Splits a multiplexed byte stream back into frames (for tests and clients): feed it chunks as
 * they come; it returns the complete frames and keeps the rest. */
export class FrameReader {
  #pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Frame[] {
    this.#pending = this.#pending.length ? Buffer.concat([this.#pending, chunk]) : chunk;
    const out: Frame[] = [];
    while (this.#pending.length >= 8) {
      const id = this.#pending[0];
      if (id > 3 || this.#pending[1] || this.#pending[2] || this.#pending[3]) throw new Error(`not a multiplexed stream: header byte ${id}`);
      const len = this.#pending.readUInt32BE(4);
      if (this.#pending.length < 8 + len) break;
      out.push({ stream: id as StreamId, data: this.#pending.subarray(8, 8 + len) });
      this.#pending = this.#pending.subarray(8 + len);
    }
    return out;
  }

  /** Bytes of an incomplete frame still held. */
  get pending(): number { return this.#pending.length; }
}
