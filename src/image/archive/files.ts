// A read-only view of an image archive's files (a directory, or a tar read once), so that the
// OCI-layout and docker-archive importers do not care where the files come from. Small files
// are held in memory; large ones go straight into the content store's temp area as they stream.
import { createHash } from 'node:crypto';
import { closeSync, createReadStream, existsSync, fsyncSync, openSync, readFileSync, readSync, rmSync, statSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { FileContentStore } from '../store/content.ts';
import { DigestMismatchError } from '../store/errors.ts';
import { TarParser } from '../tar/reader.ts';
import { decompressStream } from '../unpack/decompress.ts';
import { cleanName } from '../unpack/apply.ts';

export class ArchiveError extends Error {
  readonly path: string;
  constructor(path: string, message: string) {
    super(`${path}: ${message}`);
    this.name = 'ArchiveError';
    this.path = path;
  }
}

export interface ArchiveFiles {
  readonly source: string;
  has(path: string): boolean;
  /** A small file's bytes (JSON documents). */
  read(path: string): Buffer;
  /** Puts a file into the content store; checks it against `expected` when given. */
  store(path: string, expected?: string): Promise<{ digest: string; size: number }>;
  /** First bytes of a file (to sniff compression). */
  head(path: string, n: number): Buffer;
  dispose(): void;
}

const SMALL = 4 << 20;

export function dirFiles(dir: string, content: FileContentStore): ArchiveFiles {
  const full = (p: string) => join(dir, cleanName(p));
  return {
    source: dir,
    has: (p) => existsSync(full(p)),
    read(p) {
      if (!existsSync(full(p))) throw new ArchiveError(join(dir, p), 'missing');
      return readFileSync(full(p));
    },
    head(p, n) {
      const fd = openSync(full(p), 'r');
      try { const b = Buffer.alloc(n); const got = readFully(fd, b); return b.subarray(0, got); } finally { closeSync(fd); }
    },
    async store(p, expected) {
      const f = full(p);
      if (!existsSync(f)) throw new ArchiveError(join(dir, p), 'missing');
      if (expected) {
        const size = statSync(f).size;
        const w = await content.writer({ digest: expected, size });
        if (w.exists) return { digest: expected, size };
        try {
          if (w.offset) { await w.abort(); }
          const w2 = w.offset ? await content.writer({ digest: expected, size }) : w;
          for await (const c of createReadStream(f, { start: w2.offset, highWaterMark: 1 << 20 })) await w2.write(c as Buffer);
          await w2.commit();
        } catch (e) {
          await w.abort();
          throw e instanceof DigestMismatchError ? new ArchiveError(join(dir, p), e.message) : e;
        }
        return { digest: expected, size };
      }
      return content.putStream(createReadStream(f, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>);
    },
    dispose() { /* nothing held */ },
  };
}

/** Fills `b` from the start of the file (readSync may return short counts). */
function readFully(fd: number, b: Buffer): number {
  let off = 0;
  while (off < b.length) {
    const n = readSync(fd, b, off, b.length - off, off);
    if (n <= 0) break;
    off += n;
  }
  return off;
}

interface TarFile { size: number; data?: Buffer; tmp?: string; digest: string }

/** Reads a tar (optionally gzip/zstd-compressed) once; big files land in the store's tmp dir. */
export async function tarFiles(source: AsyncIterable<Buffer | Uint8Array>, label: string, content: FileContentStore): Promise<ArchiveFiles> {
  const files = new Map<string, TarFile>();
  let cur: { path: string; parts: Buffer[]; size: number; fd: number; tmp: string; hash: ReturnType<typeof createHash> } | null = null;
  const parser = new TarParser({
    entry(e) {
      if (e.type !== 'file') return;
      const path = cleanName(e.name);
      cur = { path, parts: [], size: 0, fd: -1, tmp: '', hash: createHash('sha256') };
      if (e.size > SMALL) {
        cur.tmp = join(content.tmpDir, `put-${process.pid}-${randomBytes(6).toString('hex')}`);
        cur.fd = openSync(cur.tmp, 'wx', 0o644);
      }
    },
    data(c) {
      if (!cur) return;
      cur.hash.update(c);
      cur.size += c.length;
      if (cur.fd >= 0) { let off = 0; while (off < c.length) off += writeSync(cur.fd, c, off, c.length - off); }
      else cur.parts.push(Buffer.from(c));
    },
    entryEnd() {
      if (!cur) return;
      const f: TarFile = { size: cur.size, digest: 'sha256:' + cur.hash.digest('hex') };
      if (cur.fd >= 0) { fsyncSync(cur.fd); closeSync(cur.fd); f.tmp = cur.tmp; } else f.data = Buffer.concat(cur.parts);
      const old = files.get(cur.path);
      if (old?.tmp) rmSync(old.tmp, { force: true });
      files.set(cur.path, f);
      cur = null;
    },
  });
  const dispose = () => {
    for (const f of files.values()) if (f.tmp) rmSync(f.tmp, { force: true });
    const c = cur as { fd: number; tmp: string } | null;
    if (c && c.fd >= 0) { closeSync(c.fd); rmSync(c.tmp, { force: true }); }
  };
  try {
    const dec = await decompressStream(source);
    for await (const chunk of dec.chunks) parser.push(chunk);
    await dec.done;
    parser.end();
  } catch (e) {
    dispose();
    throw e;
  }
  const need = (p: string): TarFile => {
    const f = files.get(cleanName(p));
    if (!f) throw new ArchiveError(`${label}:${p}`, 'missing from the archive');
    return f;
  };
  return {
    source: label,
    has: (p) => files.has(cleanName(p)),
    read(p) {
      const f = need(p);
      return f.data ?? readFileSync(f.tmp!);
    },
    head(p, n) {
      const f = need(p);
      if (f.data) return f.data.subarray(0, n);
      const fd = openSync(f.tmp!, 'r');
      try { const b = Buffer.alloc(n); return b.subarray(0, readFully(fd, b)); } finally { closeSync(fd); }
    },
    async store(p, expected) {
      const f = need(p);
      if (expected && expected !== f.digest) throw new ArchiveError(`${label}:${p}`, new DigestMismatchError(expected, f.digest).message);
      if (f.data) { await content.putBuffer(f.data); return { digest: f.digest, size: f.size }; }
      if (!existsSync(f.tmp!)) return { digest: f.digest, size: f.size }; // adopted already
      await content.adopt(f.tmp!, f.digest);
      return { digest: f.digest, size: f.size };
    },
    dispose,
  };
}
