// The build cache: records (a step's key → the state it produced) under <root>/build/cache, the
// directories of RUN --mount=type=cache under <root>/build/mounts, their export to and import
// from a local directory (--cache-to/--cache-from type=local), and `builder prune`.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { randomBytes } from '../../util/random.ts';
import { acquireLock, tryAcquireLock } from '../../util/lock.ts';
import type { EngineCore } from '../core.ts';
import { BuildError, type BuildState } from './types.ts';

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
    const p = this.#path(key);
    mkdirSync(posix.dirname(p), { recursive: true });
    const tmp = `${p}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(state));
    renameSync(tmp, p);
  }

  #path(key: string): string {
    return join(this.#dir, 'cache', `${createHash('sha256').update(key).digest('hex')}.json`);
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

  /** --cache-to type=local,dest=DIR: the records given (key → state) and every layer blob they
   * name, as DIR/index.json and DIR/blobs/sha256/<hex> (blobs already there are kept). */
  async exportTo(dest: string, records: Map<string, BuildState>): Promise<void> {
    const blobs = join(dest, 'blobs', 'sha256');
    mkdirSync(blobs, { recursive: true });
    const store = this.#engine.images();
    let index: Record<string, BuildState> = {};
    try { index = (JSON.parse(readFileSync(join(dest, 'index.json'), 'utf8')) as { records: Record<string, BuildState> }).records ?? {}; } catch { /* a new cache */ }
    for (const [key, state] of records) {
      for (const l of state.layers) {
        const to = join(blobs, l.digest.slice('sha256:'.length));
        if (!existsSync(to)) copyFileSync(store.content.path(l.digest), to);
      }
      index[key] = state;
    }
    const tmp = join(dest, `index.json.${process.pid}.tmp`);
    writeFileSync(tmp, JSON.stringify({ version: 1, records: index }));
    renameSync(tmp, join(dest, 'index.json'));
  }

  /** --cache-from type=local,src=DIR: its records (checked when a step misses the local cache). */
  readFrom(src: string): Map<string, BuildState> {
    let index: { records?: Record<string, BuildState> };
    try { index = JSON.parse(readFileSync(join(src, 'index.json'), 'utf8')) as typeof index; } catch (e) {
      throw new BuildError(`--cache-from ${src}: no cache there (${(e as Error).message})`);
    }
    return new Map(Object.entries(index.records ?? {}));
  }

  /** Takes an imported record's blobs into the store (checked against their digests) and records
   * it locally; false when a blob is missing from the imported cache. */
  async adopt(src: string, key: string, state: BuildState): Promise<boolean> {
    const store = this.#engine.images();
    for (const l of state.layers) {
      if (await store.content.has(l.digest)) continue;
      let data: Buffer;
      try { data = readFileSync(join(src, 'blobs', 'sha256', l.digest.slice('sha256:'.length))); } catch { return false; }
      await store.content.putBuffer(data, { digest: l.digest });
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
