// Compression detection (media type, then magic bytes) and streaming decompression.
import { createGunzip, createZstdDecompress } from 'node:zlib';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { layerCompression, type Compression } from '../types.ts';

const GZIP_MAGIC = [0x1f, 0x8b];
const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd];

export function sniffCompression(head: Buffer): Compression {
  if (head.length >= 2 && head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1]) return 'gzip';
  if (head.length >= 4 && ZSTD_MAGIC.every((b, i) => head[i] === b)) return 'zstd';
  return 'none';
}

/** Chooses the compression: the magic bytes win when they disagree with the media type (as docker does). */
export function detectCompression(head: Buffer, mediaType?: string): Compression {
  const sniffed = sniffCompression(head);
  if (sniffed !== 'none') return sniffed;
  const declared = layerCompression(mediaType);
  // A declared compression without its magic is a plain tar mislabelled, or garbage: let the tar reader decide.
  return declared === 'unknown' ? 'none' : sniffed;
}

export interface Decompressed {
  compression: Compression;
  chunks: AsyncIterable<Buffer>;
  /** Resolves when the input was fully consumed (rejects with the input's or the decompressor's error). */
  done: Promise<void>;
  destroy(err?: Error): void;
}

/** Peeks at the first bytes of `source` and returns a stream of its decompressed bytes. */
export async function decompressStream(source: AsyncIterable<Buffer | Uint8Array>, mediaType?: string, onRaw?: (chunk: Buffer) => void): Promise<Decompressed> {
  const it = source[Symbol.asyncIterator]();
  let first = await it.next();
  let head: Buffer = first.done ? Buffer.alloc(0) : Buffer.from(first.value);
  // Gather at least 4 bytes to look at the magic.
  while (head.length < 4 && !first.done) {
    first = await it.next();
    if (!first.done) head = Buffer.concat([head, Buffer.from(first.value)]);
  }
  const sourceDone = first.done === true;
  async function* raw(): AsyncGenerator<Buffer> {
    try {
      if (head.length) { onRaw?.(head); yield head; }
      if (sourceDone) return;
      for (;;) {
        const r = await it.next();
        if (r.done) return;
        const b = Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value);
        onRaw?.(b);
        yield b;
      }
    } finally {
      await it.return?.();
    }
  }
  const compression = detectCompression(head, mediaType);
  if (compression === 'none') {
    const gen = raw();
    return { compression, chunks: gen, done: Promise.resolve(), destroy: () => { void gen.return(undefined); } };
  }
  const dec = compression === 'gzip' ? createGunzip({ chunkSize: 256 * 1024 }) : createZstdDecompress({ chunkSize: 256 * 1024 });
  const input = Readable.from(raw(), { objectMode: false, highWaterMark: 1 << 20 });
  const done = pipeline(input, dec);
  done.catch(() => { /* surfaced through the iteration or awaited by the caller */ });
  return { compression, chunks: dec as AsyncIterable<Buffer>, done, destroy: (err) => { input.destroy(err); dec.destroy(err); } };
}
