// The build cache: records (a step's key → the state it produced) under <root>/build/cache, the
// directories of RUN --mount=type=cache under <root>/build/mounts, their export to and import
// from another place (cache-transfer.ts: a directory, a registry, an image's inline cache), and
// `builder prune`.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { randomBytes } from '../../util/random.ts';
import { acquireLock, tryAcquireLock } from '../../util/lock.ts';
import type { EngineCore } from '../core.ts';
import type { BuildState } from './types.ts';
import type { Platform } from '../../image/types.ts';
import { chainRecords, exportLocal, exportRegistry, openCacheSource, type CacheExport, type CacheImport, type CacheSource } from './cache-transfer.ts';

export class BuildCache {
  readonly #engine: EngineCore;
  readonly #dir: string;
  constructor(engine: EngineCore) {
    this.#engine = engine;
    this.#dir = join(engine.paths.root, 'build');
  }

  /** Cache: a step's key → the state it produced (absent when its blobs are gone). */
  async get(key: string): Promise<BuildState | undefined> {
    let state: BuildState;
    try { state = JSON.parse(readFileSync(this.#path(key), 'utf8')) as BuildState; } catch { return undefined; }
    for (const l of state.layers) if (!(await this.#engine.images().content.has(l.digest))) return undefined;
    return state;
  }

  put(key: string, state: BuildState): void {
    this.#write(this.#path(key), state);
  }

  /** Written whole or not at all (a reader never sees half a record). */
  #write(p: string, state: BuildState): void {
    mkdirSync(posix.dirname(p), { recursive: true });
    const tmp = `${p}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(state));
    renameSync(tmp, p);
  }

  #path(key: string, kind: 'cache' | 'last' = 'cache'): string {
    return join(this.#dir, kind, `${createHash('sha256').update(key).digest('hex')}.json`);
  }

  /** The state a step last produced, by the step without its content (`stepKey` of a COPY with
   * no content hash): where a COPY whose sources changed finds files it can link rather than copy
   * again. Not a cache record: nothing is reused from it unchecked, and no count includes it. */
  last(step: string): BuildState | undefined {
    try { return JSON.parse(readFileSync(this.#path(step, 'last'), 'utf8')) as BuildState; } catch { return undefined; }
  }

  setLast(step: string, state: BuildState): void {
    this.#write(this.#path(step, 'last'), state);
  }

  /** A directory for RUN --mount=type=cache, by id, with BuildKit's sharing modes: `shared` (any
   * number of steps at once), `locked` (one at a time: waits), `private` (a step that finds it in
   * use gets a fresh directory of its own, dropped afterwards). `release` ends the use. */
  async mount(id: string, sharing: 'shared' | 'locked' | 'private', owner: { uid?: number; gid?: number; mode?: number }): Promise<{ path: string; release(): void }> {
    const path = this.mountDir(id, owner);
    if (sharing === 'shared') return { path, release() { /* nothing held */ } };
    if (sharing === 'locked') { const l = await acquireLock(`${path}.lock`); return { path, release: () => l.release() }; }
    const l = tryAcquireLock(`${path}.lock`);
    if (l) return { path, release: () => l.release() };
    const own = this.mountDir(`${id}\0private\0${randomBytes(8).toString('hex')}`, owner);
    return { path: own, release: () => rmSync(own, { recursive: true, force: true }) };
  }

  mountDir(id: string, owner: { uid?: number; gid?: number; mode?: number }): string {
    const d = join(this.#dir, 'mounts', createHash('sha256').update(id).digest('hex').slice(0, 32));
    if (!existsSync(d)) {
      mkdirSync(d, { recursive: true, mode: owner.mode ?? 0o755 });
      chownSync(d, owner.uid ?? 0, owner.gid ?? 0);
      chmodSync(d, owner.mode ?? 0o755);
    }
    return d;
  }

  /** --cache-from: an imported cache (a directory, a registry cache manifest, an image's inline
   * cache), consulted when a step misses the local records. */
  async open(spec: CacheImport, platform?: Platform): Promise<CacheSource> {
    return openCacheSource(spec, this.#engine.images().content, platform);
  }

  /** --cache-to: the records this build used (key → state) and their blobs, to a directory or a
   * registry (type=inline goes into the image config: see inlineCache); with mode=min only the
   * records of the images' own chains (`images`: the built states, one per platform). */
  async export(spec: Exclude<CacheExport, { type: 'inline' }>, records: Map<string, BuildState>, images: BuildState[]): Promise<void> {
    const content = this.#engine.images().content;
    const chosen = spec.mode === 'min' ? new Map(images.flatMap((i) => [...chainRecords(i, records)])) : records;
    if (spec.type === 'local') exportLocal(content, spec.dest, chosen);
    else await exportRegistry(content, spec.ref, chosen);
  }

  /** Takes an imported record's blobs into the store (checked against their digests) and records
   * it locally; false when a blob is missing from the imported cache. */
  async adopt(source: CacheSource, key: string, state: BuildState): Promise<boolean> {
    const store = this.#engine.images();
    for (const l of state.layers) {
      if (await store.content.has(l.digest)) continue;
      if (!(await source.fetch(l))) return false;
    }
    this.put(key, state);
    return true;
  }

  /** `system df`'s Build Cache row: how many records, and the bytes only the cache holds (layer
   * blobs no image uses, and the cache mounts' contents). */
  async usage(): Promise<{ records: number; size: number }> {
    const dir = join(this.#dir, 'cache');
    let names: string[] = [];
    try { names = readdirSync(dir).filter((f) => f.endsWith('.json')); } catch { /* no cache yet */ }
    const digests = new Map<string, number>();
    for (const n of names) {
      try {
        for (const l of (JSON.parse(readFileSync(join(dir, n), 'utf8')) as BuildState).layers) digests.set(l.digest, l.size);
      } catch { /* a record being written */ }
    }
    const store = this.#engine.images();
    const { reachable } = await import('../../image/store/gc.ts');
    const { blobs } = await reachable(store.content, store.metadata);
    let size = 0;
    for (const [d, n] of digests) if (!blobs.has(d) && await store.content.has(d)) size += n;
    const du = spawnSync('du', ['-sb', join(this.#dir, 'mounts')], { encoding: 'utf8' });
    size += Number(du.stdout.split('\t')[0]) || 0;
    return { records: names.length, size };
  }

  /** `builder prune`: forgets every cache record (with `all`, empties the cache mounts too), then
   * sweeps the blobs and layer snapshots no image uses any more (the image store's collector). */
  async prune(opts: { all?: boolean } = {}): Promise<{ records: number; bytesFreed: number }> {
    const cacheDir = join(this.#dir, 'cache');
    let records = 0;
    for (const f of (() => { try { return readdirSync(cacheDir); } catch { return []; } })()) {
      rmSync(join(cacheDir, f), { force: true });
      if (f.endsWith('.json')) records++;
    }
    rmSync(join(this.#dir, 'last'), { recursive: true, force: true });
    let bytesFreed = 0;
    if (opts.all) {
      const mounts = join(this.#dir, 'mounts');
      const du = spawnSync('du', ['-sb', mounts], { encoding: 'utf8' });
      bytesFreed += Number(du.stdout.split('\t')[0]) || 0;
      rmSync(mounts, { recursive: true, force: true });
    }
    const { garbageCollect } = await import('../../image/store/gc.ts');
    const store = this.#engine.images();
    const gc = await garbageCollect({ store: store.content, metadata: store.metadata, snapshotter: store.snapshotter, graceMs: 0 });
    return { records, bytesFreed: bytesFreed + gc.bytesFreed };
  }
}
