// A build step's layer: the work snapshot's overlay upper directory as an OCI layer (overlay
// whiteouts and opaque directories turned into OCI's by src/image's diff), with modification times
// clamped to SOURCE_DATE_EPOCH when one is given, so that the same input gives the same digest.
import { spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { gzip, zstdCompress } from 'node:zlib';
import { createHash } from 'node:crypto';
import { readTarEntries } from '../../image/tar/collect.ts';
import { packTar } from '../../image/tar/writer.ts';
import { upperToLayer } from '../../image/snapshots/diff.ts';

export type LayerCompression = 'gzip' | 'zstd';

export interface BuiltLayer { diffId: string; blob: Buffer; entries: number }

export async function layerFromUpper(upper: string, epoch?: number, compression: LayerCompression = 'gzip'): Promise<BuiltLayer> {
  const tar = spawn('tar', ['--numeric-owner', '--xattrs', '--xattrs-include=*', '--sort=name', '-C', upper, '-cf', '-', '.'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  tar.stderr.on('data', (d) => { err += d; });
  const done = new Promise<void>((res, rej) => {
    tar.on('error', rej);
    tar.on('close', (code) => (code === 0 ? res() : rej(new Error(`tar of ${upper} exited ${code}: ${err.trim()}`))));
  });
  const entries = await readTarEntries(tar.stdout);
  await done;
  let items = upperToLayer(entries);
  if (epoch !== undefined) items = items.map((i) => ({ ...i, entry: { ...i.entry, mtime: Math.min(i.entry.mtime ?? 0, epoch) } }));
  const parts: Buffer[] = [];
  for await (const c of packTar(items)) parts.push(c);
  const raw = Buffer.concat(parts);
  const blob = compression === 'zstd' ? await promisify(zstdCompress)(raw) : await gzipParallel(raw);
  return { diffId: `sha256:${createHash('sha256').update(raw).digest('hex')}`, blob, entries: items.length };
}

const CHUNK = 4 << 20;

/** gzip in independent members of 4 MiB of input, compressed side by side on the thread pool and
 * concatenated (RFC 1952 allows several members; every gzip reader, Go's and Node's included,
 * reads them as one stream). Fixed-size chunks keep the output the same for the same input. */
export async function gzipParallel(raw: Buffer): Promise<Buffer> {
  const gz = promisify(gzip);
  if (raw.length <= CHUNK) return gz(raw);
  const parts: Promise<Buffer>[] = [];
  for (let off = 0; off < raw.length; off += CHUNK) parts.push(gz(raw.subarray(off, off + CHUNK)));
  return Buffer.concat(await Promise.all(parts));
}
