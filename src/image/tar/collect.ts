// Convenience for small archives and tests: every entry with its data in memory.
import type { TarEntry } from './entry.ts';
import { TarParser } from './reader.ts';

export interface CollectedEntry { entry: TarEntry; data: Buffer }

export async function readTarEntries(source: AsyncIterable<Buffer | Uint8Array> | Buffer): Promise<CollectedEntry[]> {
  const out: CollectedEntry[] = [];
  let cur: { entry: TarEntry; parts: Buffer[] } | null = null;
  const p = new TarParser({
    entry(e) { cur = { entry: e, parts: [] }; },
    data(c) { cur!.parts.push(Buffer.from(c)); },
    entryEnd() { out.push({ entry: cur!.entry, data: Buffer.concat(cur!.parts) }); cur = null; },
  });
  if (Buffer.isBuffer(source)) p.push(source);
  else for await (const c of source) p.push(Buffer.isBuffer(c) ? c : Buffer.from(c));
  p.end();
  return out;
}
