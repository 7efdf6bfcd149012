// A build step's layer: the work snapshot's overlay upper directory as an OCI layer (overlay
// whiteouts and opaque directories turned into OCI's by src/image's diff), with modification times
// clamped to SOURCE_DATE_EPOCH when one is given, so that the same input gives the same digest.
import { promisify } from 'node:util';
import { deflateRawSync, gzip, gzipSync, zstdCompress } from 'node:zlib';
import { createHash } from 'node:crypto';
import { packTar } from '../../image/tar/writer.ts';
import { upperLayerItems } from '../../image/snapshots/diff.ts';
import { traceSince } from '../../util/trace.ts';

export type LayerCompression = 'gzip' | 'zstd';

export interface BuiltLayer { diffId: string; blob: Buffer; entries: number }

export async function layerFromUpper(upper: string, epoch?: number, compression: LayerCompression = 'gzip'): Promise<BuiltLayer> {
  let t0 = performance.now();
  let items = await upperLayerItems(upper);
  traceSince('layer: tar of the upper directory', t0); t0 = performance.now();
  if (epoch !== undefined) items = items.map((i) => ({ ...i, entry: { ...i.entry, mtime: Math.min(i.entry.mtime ?? 0, epoch) } }));
  const parts: Buffer[] = [];
  for await (const c of packTar(items)) parts.push(c);
  const raw = Buffer.concat(parts);
  traceSince(`layer: pack (${raw.length} bytes)`, t0); t0 = performance.now();
  const blob = compression === 'zstd' ? await promisify(zstdCompress)(raw) : await gzipParallel(raw);
  traceSince(`layer: ${compression} (${blob.length} bytes)`, t0);
  return { diffId: `sha256:${createHash('sha256').update(raw).digest('hex')}`, blob, entries: items.length };
}

const CHUNK = 4 << 20;
const SAMPLE = 32 << 10;

/** Whether deflate would gain (almost) nothing on `chunk` (random or already-compressed data),
 * judged from four 32 KiB samples spread over it at the fastest level: level 6 spends ~50 ms of
 * CPU per MiB of such data to save under 1%. Depends only on the bytes: deterministic. */
export function incompressible(chunk: Buffer): boolean {
  if (chunk.length < 4 * SAMPLE) return false;
  let in_ = 0, out = 0;
  for (let i = 0; i < 4; i++) {
    const off = Math.floor(((chunk.length - SAMPLE) * i) / 3);
    out += deflateRawSync(chunk.subarray(off, off + SAMPLE), { level: 1 }).length;
    in_ += SAMPLE;
  }
  return out > in_ * 0.97;
}

/** gzip in independent members of 4 MiB of input, compressed side by side on the thread pool and
 * concatenated (RFC 1952 allows several members; every gzip reader, Go's and Node's included,
 * reads them as one stream). Fixed-size chunks keep the output the same for the same input. A
 * chunk deflate cannot shrink is stored (level 0: stored blocks, still gzip), as zstd does with
 * its raw blocks. */
export async function gzipParallel(raw: Buffer): Promise<Buffer> {
  const gz = promisify(gzip);
  // Storing is a copy and a CRC (~10 ms for 4 MiB): done here rather than queued on the thread
  // pool behind the file copies of stages running beside this one.
  const one = async (c: Buffer) => (incompressible(c) ? gzipSync(c, { level: 0 }) : gz(c, { level: 6 }));
  if (raw.length <= CHUNK) return one(raw);
  const parts: Promise<Buffer>[] = [];
  for (let off = 0; off < raw.length; off += CHUNK) parts.push(one(raw.subarray(off, off + CHUNK)));
  return Buffer.concat(await Promise.all(parts));
}
