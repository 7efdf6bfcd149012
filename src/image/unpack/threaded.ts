// unpackLayerThreaded: unpackLayer in a worker thread, so that layers unpack in parallel with
// each other and with the download (decompression already runs on libuv's threadpool; the
// diffID hash, tar parsing and the file system calls, all synchronous, are what a single main
// thread serialises). The bytes are copied into transferred 1 MiB buffers, at most 8 MiB ahead
// of the worker. Errors come back as the same classes. When the worker source is not beside this file
// (a bundled build), it unpacks in this thread instead.
import { existsSync, readFileSync } from 'node:fs';
import module from 'node:module';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { DigestMismatchError, SizeMismatchError } from '../store/errors.ts';
import { TarFormatError, TruncatedTarError } from '../tar/entry.ts';
import { DiffIdMismatchError, HostileLayerError, UnpackError } from './errors.ts';
import { FsOpsHelperMissingError } from './sysops.ts';
import { currentUmask, unpackLayer, type UnpackOptions, type UnpackResult } from './unpack.ts';
import type { FromWorker, ToWorker } from './worker.ts';

// The URLs are made when needed: every CLI start loads this module (parsing the bootstrap's
// data: URL alone took ~1 ms), few unpack anything.
const workerUrl = () => new URL('./worker.ts', import.meta.url);
/** scripts/build.sh bundles worker.ts beside the CLI bundles (dist/lib/). */
const workerBundleUrl = () => new URL('./unpack-worker.mjs', import.meta.url);
const MAX_AHEAD = 8 << 20;
const BATCH = 1 << 20;

// A worker thread is a new isolate: loading TypeScript there would load Node's type stripper
// (amaro, ~0.2-0.3 s of CPU) again in every worker. This thread has it loaded already, so it
// strips the worker's module graph once, and each worker starts from a small JavaScript
// bootstrap whose load hook serves those sources (any module missing from the map still loads
// the ordinary way).
const bootstrapUrl = () => new URL('data:text/javascript,' + encodeURIComponent(`
import { registerHooks } from 'node:module';
import { workerData } from 'node:worker_threads';
const sources = workerData.berthSources;
registerHooks({ load(url, context, next) {
  const source = sources[url];
  return source === undefined ? next(url, context) : { format: 'module', source, shortCircuit: true };
} });
await import(workerData.berthEntry);
`));

let stripped: Record<string, string> | null | undefined;

/** The worker's module graph (relative .ts imports from worker.ts), as JavaScript; null when this Node cannot strip types. */
function workerSources(): Record<string, string> | null {
  if (stripped !== undefined) return stripped;
  const strip = (module as { stripTypeScriptTypes?: (code: string, opts?: { mode?: string; sourceUrl?: string }) => string }).stripTypeScriptTypes;
  if (typeof strip !== 'function') return (stripped = null);
  const out: Record<string, string> = {};
  const pending = [workerUrl().href];
  // The API is marked experimental; its warning says nothing a berth user can act on.
  const emit = process.emitWarning;
  process.emitWarning = (() => undefined) as typeof process.emitWarning;
  try {
    while (pending.length) {
      const url = pending.pop()!;
      if (url in out) continue;
      const js = strip(readFileSync(fileURLToPath(url), 'utf8'), { mode: 'strip', sourceUrl: url });
      out[url] = js;
      for (const m of js.matchAll(/(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"](\.{1,2}\/[^'"]+\.ts)['"]/g)) pending.push(new URL(m[1], url).href);
    }
  } catch {
    return (stripped = null);
  } finally {
    process.emitWarning = emit;
  }
  return (stripped = out);
}

const CLASSES: Record<string, { prototype: Error }> = {
  HostileLayerError, UnpackError, DiffIdMismatchError, DigestMismatchError, SizeMismatchError, TarFormatError, TruncatedTarError, FsOpsHelperMissingError,
};

function rebuild(e: Extract<FromWorker, { type: 'error' }>['error']): Error {
  const cls = CLASSES[e.name];
  const err: Error = cls ? Object.create(cls.prototype) as Error : new Error(e.message);
  Object.defineProperty(err, 'message', { value: e.message, writable: true, configurable: true });
  if (e.stack) Object.defineProperty(err, 'stack', { value: e.stack, writable: true, configurable: true });
  Object.assign(err, e.fields);
  return err;
}

function exists(u: URL): boolean {
  return u.protocol === 'file:' && existsSync(fileURLToPath(u));
}

/** How a worker can be started here: from the TypeScript source, from the bundle, or not at all. */
export function workerAvailable(): 'source' | 'bundle' | false {
  return exists(workerUrl()) ? 'source' : exists(workerBundleUrl()) ? 'bundle' : false;
}

/** Below this many (compressed) bytes a layer unpacks in this thread: starting a worker (an
 * isolate, its modules) costs more than it saves. Measured on the 60 MB bench image (9-13 MB
 * layers): workers made the pull slower (2.4 s vs 1.0-1.9 s, 1.7 vs 1.3 s CPU). */
export const WORKER_MIN_BYTES = 32 << 20;

/** unpackLayer in a worker thread when `sizeHint` (the blob size) is big enough and a worker is
 * available (BERTH_UNPACK_WORKERS=0 turns them off), else in this thread. */
export async function unpackLayerThreaded(source: AsyncIterable<Buffer | Uint8Array>, targetDir: string, opts: UnpackOptions & { sizeHint?: number } = {}): Promise<UnpackResult> {
  const { sizeHint, ...rest } = opts;
  // The worker cannot read the umask race-free later (another thread may be changing it): fix it now.
  const o: UnpackOptions = { ...rest, umask: rest.umask ?? currentUmask() };
  const small = sizeHint !== undefined && sizeHint < WORKER_MIN_BYTES;
  const how = small || process.env.BERTH_UNPACK_WORKERS === '0' ? false : workerAvailable();
  if (!how) return unpackLayer(source, targetDir, o);
  const sources = how === 'source' ? workerSources() : null;
  const worker = how === 'bundle'
    ? new Worker(workerBundleUrl(), { workerData: { dir: targetDir, opts: o } })
    : sources
      ? new Worker(bootstrapUrl(), { workerData: { dir: targetDir, opts: o, berthSources: sources, berthEntry: workerUrl().href } })
      : new Worker(workerUrl(), { workerData: { dir: targetDir, opts: o } });
  let ahead = 0;
  let acked: (() => void) | null = null;
  let settled = false;
  const result = new Promise<UnpackResult>((resolve, reject) => {
    worker.on('message', (m: FromWorker) => {
      if (m.type === 'ack') { ahead -= m.bytes; acked?.(); return; }
      settled = true;
      if (m.type === 'done') resolve(m.result); else reject(rebuild(m.error));
    });
    worker.on('error', (e) => { settled = true; reject(e); });
    worker.on('exit', (code) => { if (!settled) { settled = true; reject(new UnpackError('(layer)', `unpack worker exited (${code}) without a result`)); } });
  });
  result.catch(() => undefined); // awaited below
  const send = (m: ToWorker, transfer?: ArrayBuffer[]) => worker.postMessage(m, transfer);
  // Network chunks are small (16-64 KiB): gathered into 1 MiB batches, one message and one
  // allocation per batch instead of per chunk (postMessage costs ~0.1 ms; the garbage adds up).
  let batch = new Uint8Array(BATCH);
  let filled = 0;
  const flush = () => {
    if (!filled) return;
    const buf = filled === batch.length ? batch : batch.slice(0, filled);
    ahead += buf.length;
    send({ type: 'chunk', buf }, [buf.buffer as ArrayBuffer]);
    batch = new Uint8Array(BATCH);
    filled = 0;
  };
  try {
    for await (const c of source) {
      if (settled) break; // the worker finished early: an error, or trailing bytes after the archive
      for (let off = 0; off < c.length; ) {
        const n = Math.min(c.length - off, batch.length - filled);
        batch.set(c.subarray(off, off + n), filled);
        filled += n;
        off += n;
        if (filled === batch.length) flush();
      }
      while (ahead > MAX_AHEAD && !settled) await new Promise<void>((r) => { acked = r; result.then(() => r(), () => r()); });
      acked = null;
    }
    flush();
    if (!settled) send({ type: 'end' });
  } catch (e) {
    if (!settled) send({ type: 'abort', message: (e as Error).message });
    await result.catch(() => undefined);
    await worker.terminate();
    throw e;
  }
  try {
    return await result;
  } finally {
    await worker.terminate();
  }
}
