// A build step's layer: the work snapshot's overlay upper directory as an OCI layer (overlay
// whiteouts and opaque directories turned into OCI's by src/image's diff), with modification times
// clamped to SOURCE_DATE_EPOCH when one is given, so that the same input gives the same digest.
import { spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { createHash } from 'node:crypto';
import { readTarEntries } from '../../image/tar/collect.ts';
import { packTar } from '../../image/tar/writer.ts';
import { upperToLayer } from '../../image/snapshots/diff.ts';

export interface BuiltLayer { diffId: string; blob: Buffer; entries: number }

export async function layerFromUpper(upper: string, epoch?: number): Promise<BuiltLayer> {
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
  // On the thread pool: two stages building at once compress side by side.
  const blob = await promisify(gzip)(raw);
  return { diffId: `sha256:${createHash('sha256').update(raw).digest('hex')}`, blob, entries: items.length };
}
