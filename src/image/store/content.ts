// The content store: immutable blobs addressed by digest under <root>/blobs/sha256/<hex>.
// A blob is written to <root>/ingest/<hex>/data (kept across failures, so a later writer
// resumes at its length), verified (size and digest), fsynced and renamed into place, then the
// directory is fsynced. One writer per digest at a time, across processes: <root>/ingest/<hex>.lock.
import { createHash, randomBytes, type Hash } from 'node:crypto';
import { createReadStream, constants, mkdirSync, readFileSync } from 'node:fs';
import { open, readdir, readFile, rename, rm, stat, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { isDigest } from '../types.ts';
import { BlobNotFoundError, DigestMismatchError, InvalidDigestError, SizeMismatchError } from './errors.ts';
import { acquireLock, type Lock } from '../../util/lock.ts';

export interface BlobInfo { digest: string; size: number }

export interface BlobWriter {
  /** Bytes already in the ingest file (resume from here); equals the size when the blob exists. */
  offset: number;
  /** True when the blob was already stored (a concurrent writer finished it): write nothing, commit is a no-op. */
  readonly exists: boolean;
  write(chunk: Buffer): Promise<void>;
  /** Verifies size and digest, fsyncs and renames the blob into place. Throws (and discards the data) on a mismatch. */
  commit(): Promise<void>;
  /** Releases the writer; the partial data stays for a later writer to resume. */
  abort(): Promise<void>;
}

export interface ContentStore {
  has(digest: string): Promise<boolean>;
  info(digest: string): Promise<BlobInfo | null>;
  path(digest: string): string;
  read(digest: string): Promise<Buffer>;
  writer(expected: { digest: string; size?: number }): Promise<BlobWriter>;
  putBuffer(data: Buffer, expected?: { digest?: string }): Promise<string>;
  delete(digest: string): Promise<void>;
  list(): AsyncIterable<BlobInfo>;
}

export function sha256Digest(data: Buffer | string): string {
  return 'sha256:' + createHash('sha256').update(data).digest('hex');
}

function hexOf(digest: string): string {
  if (!isDigest(digest)) throw new InvalidDigestError(digest);
  return digest.slice(7);
}

/** fsync of a directory, off the event loop: on ext4 it waits for a journal commit, which in
 * ordered mode writes out other files' data too (seconds while layers are being unpacked). */
async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try { await fh.sync(); } finally { await fh.close(); }
}

export class FileContentStore implements ContentStore {
  readonly root: string;
  readonly blobDir: string;
  readonly ingestDir: string;
  readonly tmpDir: string;

  constructor(root: string) {
    this.root = root;
    this.blobDir = join(root, 'blobs', 'sha256');
    this.ingestDir = join(root, 'ingest');
    this.tmpDir = join(root, 'tmp');
    for (const d of [this.blobDir, this.ingestDir, this.tmpDir]) mkdirSync(d, { recursive: true, mode: 0o700 });
  }

  path(digest: string): string {
    return join(this.blobDir, hexOf(digest));
  }

  async has(digest: string): Promise<boolean> {
    return (await this.info(digest)) !== null;
  }

  async info(digest: string): Promise<BlobInfo | null> {
    try {
      const st = await stat(this.path(digest));
      return { digest, size: st.size };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  }

  async read(digest: string): Promise<Buffer> {
    try {
      return await readFile(this.path(digest));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new BlobNotFoundError(digest);
      throw e;
    }
  }

  /** Synchronous read, for small JSON blobs (manifests, configs). */
  readSync(digest: string): Buffer {
    try {
      return readFileSync(this.path(digest));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new BlobNotFoundError(digest);
      throw e;
    }
  }

  /** A stream of the blob's bytes. */
  stream(digest: string): Readable {
    return createReadStream(this.path(digest), { highWaterMark: 1 << 20 });
  }

  async readJson<T>(digest: string): Promise<T> {
    return JSON.parse((await this.read(digest)).toString('utf8')) as T;
  }

  /** readJson without a trip through the thread pool (or loading node:fs/promises): for the
   * small JSON blobs a listing or an inspect reads. */
  readJsonSync<T>(digest: string): T {
    return JSON.parse(this.readSync(digest).toString('utf8')) as T;
  }

  async writer(expected: { digest: string; size?: number }): Promise<BlobWriter> {
    const hex = hexOf(expected.digest);
    const existing = await this.info(expected.digest);
    if (existing) return doneWriter(existing.size);
    const lock = await acquireLock(join(this.ingestDir, `${hex}.lock`));
    try {
      // The writer we waited for may have stored it.
      const now = await this.info(expected.digest);
      if (now) { lock.release(); return doneWriter(now.size); }
      const dir = join(this.ingestDir, hex);
      mkdirSync(dir, { recursive: true });
      const file = join(dir, 'data');
      const fh = await open(file, constants.O_RDWR | constants.O_CREAT, 0o644);
      const hash = createHash('sha256');
      let offset = 0;
      // Resume: hash what an earlier, interrupted writer left.
      const st = await fh.stat();
      if (st.size > 0) {
        if (expected.size !== undefined && st.size > expected.size) {
          await fh.truncate(0);
        } else {
          for await (const chunk of createReadStream('', { fd: fh, autoClose: false, start: 0, highWaterMark: 1 << 20 })) {
            hash.update(chunk as Buffer);
          }
          offset = st.size;
        }
      }
      return new IngestWriter(this, expected, lock, fh, file, dir, hash, offset);
    } catch (e) {
      lock.release();
      throw e;
    }
  }

  async putBuffer(data: Buffer, expected: { digest?: string } = {}): Promise<string> {
    const digest = sha256Digest(data);
    if (expected.digest !== undefined && expected.digest !== digest) throw new DigestMismatchError(expected.digest, digest);
    if (await this.has(digest)) return digest;
    const w = await this.writer({ digest, size: data.length });
    if (w.exists) return digest;
    try {
      if (w.offset > 0) { await w.abort(); await rm(join(this.ingestDir, digest.slice(7)), { recursive: true, force: true }); return this.putBuffer(data, expected); }
      await w.write(data);
      await w.commit();
    } catch (e) {
      await w.abort();
      throw e;
    }
    return digest;
  }

  /** Stores a stream whose digest is not known in advance (imports). Returns its digest and size. */
  async putStream(source: AsyncIterable<Buffer | Uint8Array>): Promise<BlobInfo> {
    const tmp = join(this.tmpDir, `put-${process.pid}-${randomBytes(6).toString('hex')}`);
    const fh = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
    const hash = createHash('sha256');
    let size = 0;
    try {
      for await (const chunk of source) {
        hash.update(chunk);
        size += chunk.length;
        await fh.write(chunk);
      }
      await fh.sync();
    } catch (e) {
      await fh.close();
      await rm(tmp, { force: true });
      throw e;
    }
    await fh.close();
    const digest = 'sha256:' + hash.digest('hex');
    await this.adopt(tmp, digest);
    return { digest, size };
  }

  /** Moves a verified, fsynced file (in this store's tmp dir) into place as `digest`. */
  async adopt(tmpFile: string, digest: string): Promise<void> {
    if (await this.has(digest)) { await rm(tmpFile, { force: true }); return; }
    await rename(tmpFile, this.path(digest));
    await fsyncDir(this.blobDir);
  }

  async delete(digest: string): Promise<void> {
    try { await unlink(this.path(digest)); } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }

  async *list(): AsyncIterable<BlobInfo> {
    for (const name of await readdir(this.blobDir)) {
      if (!/^[a-f0-9]{64}$/.test(name)) continue;
      try {
        const st = await stat(join(this.blobDir, name));
        yield { digest: `sha256:${name}`, size: st.size };
      } catch { /* deleted meanwhile */ }
    }
  }

  /** Removes ingest leftovers that no live writer holds (GC). */
  async cleanIngest(): Promise<number> {
    const { tryAcquireLock } = await import('../../util/lock.ts');
    let n = 0;
    for (const name of await readdir(this.ingestDir)) {
      if (!/^[a-f0-9]{64}$/.test(name)) continue;
      const lock = tryAcquireLock(join(this.ingestDir, `${name}.lock`));
      if (!lock) continue;
      try { await rm(join(this.ingestDir, name), { recursive: true, force: true }); n++; } finally { lock.release(); }
    }
    for (const name of await readdir(this.tmpDir)) {
      const m = /^put-(\d+)-/.exec(name);
      if (m && m[1] !== String(process.pid) && !existsPid(Number(m[1]))) { await rm(join(this.tmpDir, name), { force: true }); n++; }
    }
    return n;
  }
}

function existsPid(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

function doneWriter(size: number): BlobWriter {
  return {
    offset: size,
    exists: true,
    async write() { /* already stored */ },
    async commit() { /* already stored */ },
    async abort() { /* nothing held */ },
  };
}

class IngestWriter implements BlobWriter {
  offset: number;
  readonly exists = false;
  readonly #store: FileContentStore;
  readonly #expected: { digest: string; size?: number };
  readonly #lock: Lock;
  readonly #fh: FileHandle;
  readonly #file: string;
  readonly #dir: string;
  readonly #hash: Hash;
  #closed = false;
  // Chunks accepted (hashed, counted in offset) but not yet written: written 1 MiB at a time with
  // one writev, while the next MiB gathers. A network chunk is 16-64 KiB; waiting for a
  // threadpool write of each one before reading the next held the download back.
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #fileOffset: number;
  #inflight: Promise<void> = Promise.resolve();

  constructor(store: FileContentStore, expected: { digest: string; size?: number }, lock: Lock, fh: FileHandle, file: string, dir: string, hash: Hash, offset: number) {
    this.#store = store;
    this.#expected = expected;
    this.#lock = lock;
    this.#fh = fh;
    this.#file = file;
    this.#dir = dir;
    this.#hash = hash;
    this.offset = offset;
    this.#fileOffset = offset;
  }

  /** Starts writing what is pending (after the write in flight, if any); errors surface on the next await of #inflight. */
  async #flush(): Promise<void> {
    await this.#inflight;
    if (!this.#pendingBytes) return;
    const bufs = this.#pending;
    const at = this.#fileOffset;
    this.#fileOffset += this.#pendingBytes;
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#inflight = this.#fh.writev(bufs, at).then(({ bytesWritten }) => {
      const want = bufs.reduce((a, b) => a + b.length, 0);
      if (bytesWritten !== want) throw new Error(`short write to ${this.#file}: ${bytesWritten} of ${want} bytes`);
    });
    this.#inflight.catch(() => undefined); // awaited by the next flush, commit or abort
  }

  async write(chunk: Buffer): Promise<void> {
    if (this.#closed) throw new Error(`blob writer for ${this.#expected.digest} is closed`);
    if (this.#expected.size !== undefined && this.offset + chunk.length > this.#expected.size) {
      const actual = this.offset + chunk.length;
      await this.#discard();
      throw new SizeMismatchError(this.#expected.digest, this.#expected.size, actual);
    }
    this.#hash.update(chunk);
    this.offset += chunk.length;
    this.#pending.push(chunk);
    this.#pendingBytes += chunk.length;
    if (this.#pendingBytes >= 1 << 20) await this.#flush();
  }

  async commit(): Promise<void> {
    if (this.#closed) throw new Error(`blob writer for ${this.#expected.digest} is closed`);
    const { digest, size } = this.#expected;
    if (size !== undefined && this.offset !== size) {
      await this.#discard();
      throw new SizeMismatchError(digest, size, this.offset);
    }
    const actual = 'sha256:' + this.#hash.digest('hex');
    if (actual !== digest) {
      await this.#discard();
      throw new DigestMismatchError(digest, actual);
    }
    try {
      await this.#flush();
      await this.#inflight;
    } catch (e) {
      await this.#discard();
      throw e;
    }
    await this.#fh.sync();
    await this.#fh.close();
    await rename(this.#file, this.#store.path(digest));
    await fsyncDir(this.#store.blobDir);
    await rm(this.#dir, { recursive: true, force: true });
    this.#closed = true;
    this.#lock.release();
  }

  async abort(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // What was accepted goes to the file, so that a resume finds offset bytes there (a later
    // writer re-hashes the file anyway, so a failure here only costs re-downloading).
    try { await this.#flush(); await this.#inflight; } catch { /* see above */ }
    try { await this.#fh.close(); } finally { this.#lock.release(); }
  }

  async #discard(): Promise<void> {
    this.#closed = true;
    this.#pending = [];
    this.#pendingBytes = 0;
    try {
      await this.#inflight.catch(() => undefined);
      await this.#fh.close();
      await rm(this.#dir, { recursive: true, force: true });
    } finally {
      this.#lock.release();
    }
  }
}
