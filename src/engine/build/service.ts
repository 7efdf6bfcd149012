// The engine's build support: what a Dockerfile builder needs and only the engine may do. A
// build state is a list of layers (plain data the builder keeps and the cache stores); a work root
// is a writable snapshot over a state, mounted, in which a step runs a process or copies files and
// which then becomes the next state (its upper directory diffed into a layer; an unchanged root
// adds none). Images are written to the store from a state and a config. The builder plans; the
// engine decides where things live, how processes run and what a layer holds.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, copyFileSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { randomBytes } from '../../util/random.ts';
import { chainIDs, SnapshotExistsError, unpackImage } from '../../image/snapshots/index.ts';
import { mountAllAsync, unmountAsync } from '../../image/snapshots/snapshotter.ts';
import { normalizeReference } from '../../image/reference.ts';
import { hostPlatform, MEDIA_OCI_CONFIG, MEDIA_OCI_LAYER_GZIP, MEDIA_OCI_MANIFEST, type ImageConfig, type Manifest } from '../../image/types.ts';
import type { Engine } from '../engine.ts';
import { EngineError } from '../errors.ts';
import { resolveImage, type PullPolicy } from '../images.ts';
import { findRuntime } from '../runtime.ts';
import { openRuntime } from '../ociruntime/index.ts';
import { acquireLock, tryAcquireLock } from '../../util/lock.ts';
import { copyInto, type CopyRequest } from './files.ts';
import { layerFromUpper } from './layer.ts';
import { runInRoot, type BuildProcess } from './process.ts';
import { isMounted } from '../rootfs.ts';

export interface LayerRef { digest: string; size: number; mediaType: string; diffId: string }
export interface BuildState { layers: LayerRef[] }

export interface BaseImage { state: BuildState; config: ImageConfig; id: string; manifestDigest: string }

export class BuildError extends EngineError {
  override name = 'BuildError';
}

export interface WorkRoot {
  readonly id: string;
  /** Host path of the mounted root (for the builder to read sources of COPY --from). */
  readonly path: string;
  run(proc: BuildProcess, onOutput: (chunk: Buffer, stream: 'stdout' | 'stderr') => void): Promise<number>;
  copy(req: CopyRequest): Promise<void>;
  /** The root as a new state (one more layer unless nothing changed); the work root is gone after. */
  commit(opts?: { epoch?: number }): Promise<BuildState>;
  /** Drops the work root and its changes. */
  discard(): Promise<void>;
}

const SNAP_PREFIX = 'berth-build-';

export class BuildService {
  readonly engine: Engine;
  constructor(engine: Engine) {
    this.engine = engine;
  }

  get #dir(): string { return join(this.engine.paths.root, 'build'); }
  get #workDir(): string { return join(this.engine.paths.runRoot, 'build'); }

  /** An image from the store (pulled, or the built-in busybox, as the policy allows). */
  async baseImage(ref: string, pull: PullPolicy = 'missing', platform?: string): Promise<BaseImage> {
    const store = this.engine.images();
    const r = await resolveImage(store, ref, pull, platform);
    const manifest = JSON.parse(store.content.readSync(r.manifestDigest).toString('utf8')) as Manifest;
    const diffIds = r.config.rootfs.diff_ids;
    return {
      state: { layers: manifest.layers.map((l, i) => ({ digest: l.digest, size: l.size, mediaType: l.mediaType, diffId: diffIds[i] })) },
      config: r.config, id: r.configDigest, manifestDigest: r.manifestDigest,
    };
  }

  /** Cache: a step's key → the state it produced (absent when its blobs are gone). */
  async cacheGet(key: string): Promise<BuildState | undefined> {
    let state: BuildState;
    try { state = JSON.parse(readFileSync(this.#cachePath(key), 'utf8')) as BuildState; } catch { return undefined; }
    for (const l of state.layers) if (!(await this.engine.images().content.has(l.digest))) return undefined;
    return state;
  }

  cachePut(key: string, state: BuildState): void {
    const p = this.#cachePath(key);
    mkdirSync(posix.dirname(p), { recursive: true });
    const tmp = `${p}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(state));
    renameSync(tmp, p);
  }

  #cachePath(key: string): string {
    return join(this.#dir, 'cache', `${createHash('sha256').update(key).digest('hex')}.json`);
  }

  /** A directory for RUN --mount=type=cache, by id, with BuildKit's sharing modes: `shared` (any
   * number of steps at once), `locked` (one at a time: waits), `private` (a step that finds it in
   * use gets a fresh directory of its own, dropped afterwards). `release` ends the use. */
  async cacheMount(id: string, sharing: 'shared' | 'locked' | 'private', owner: { uid?: number; gid?: number; mode?: number }): Promise<{ path: string; release(): void }> {
    const path = this.cacheMountDir(id, owner);
    if (sharing === 'shared') return { path, release() { /* nothing held */ } };
    if (sharing === 'locked') { const l = await acquireLock(`${path}.lock`); return { path, release: () => l.release() }; }
    const l = tryAcquireLock(`${path}.lock`);
    if (l) return { path, release: () => l.release() };
    const own = this.cacheMountDir(`${id}\0private\0${randomBytes(8).toString('hex')}`, owner);
    return { path: own, release: () => rmSync(own, { recursive: true, force: true }) };
  }

  cacheMountDir(id: string, owner: { uid?: number; gid?: number; mode?: number }): string {
    const d = join(this.#dir, 'mounts', createHash('sha256').update(id).digest('hex').slice(0, 32));
    if (!existsSync(d)) {
      mkdirSync(d, { recursive: true, mode: owner.mode ?? 0o755 });
      chownSync(d, owner.uid ?? 0, owner.gid ?? 0);
      chmodSync(d, owner.mode ?? 0o755);
    }
    return d;
  }

  /** Makes sure the committed snapshots of a state's layers exist (unpacking what is missing). */
  async #chainOf(state: BuildState): Promise<string | undefined> {
    if (!state.layers.length) return undefined;
    const store = this.engine.images();
    const manifest = { schemaVersion: 2, mediaType: MEDIA_OCI_MANIFEST, config: { mediaType: MEDIA_OCI_CONFIG, digest: '', size: 0 }, layers: state.layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })) } as Manifest;
    const config = { architecture: '', os: 'linux', rootfs: { type: 'layers', diff_ids: state.layers.map((l) => l.diffId) } } as ImageConfig;
    return (await unpackImage(store.content, store.snapshotter, manifest, config)).chainID;
  }

  /** A writable root over `state`, mounted; the caller commits or discards it. */
  async workRoot(state: BuildState): Promise<WorkRoot> {
    const parent = await this.#chainOf(state);
    const id = `${SNAP_PREFIX}${randomBytes(8).toString('hex')}`;
    const dir = join(this.#workDir, id);
    const rootfs = join(dir, 'rootfs');
    mkdirSync(rootfs, { recursive: true });
    // Held while the work root lives: a later build treats one whose holder died as stale.
    const lock = await acquireLock(`${dir}.lock`);
    const sn = this.engine.images().snapshotter;
    if (sn.driver !== 'overlay') throw new BuildError('berth build needs the overlay snapshotter (layers are read from the upper directory)');
    const mounts = sn.prepare(id, parent, { labels: { 'berth.build': id } });
    const upper = mounts.flatMap((m) => m.options).find((o) => o.startsWith('upperdir='))?.slice('upperdir='.length) ?? sn.fsPath(id);
    const lowers = mounts.flatMap((m) => m.options).find((o) => o.startsWith('lowerdir='))?.slice('lowerdir='.length).split(':') ?? [];
    try { await mountAllAsync(mounts, rootfs); } catch (e) { sn.remove(id); rmSync(dir, { recursive: true, force: true }); lock.release(); throw e; }
    const created = new Set<string>();
    const unmount = async () => { for (let i = 0; i < 5 && isMounted(rootfs); i++) await unmountAsync(rootfs); };
    const drop = async () => {
      await unmount();
      try { sn.remove(id); } catch { /* already gone */ }
      rmSync(dir, { recursive: true, force: true });
      lock.release();
    };
    const svc = this;
    return {
      id, path: rootfs,
      async run(proc, onOutput) {
        const rt = findRuntime(svc.engine.opts.runtime ?? 'berth-runtime');
        const r = await runInRoot({ id, dir, rootfs, runtime: rt, runtimeRoot: svc.engine.paths.runtimeRoot, cgroupParent: svc.engine.paths.cgroupParent, proc, onOutput });
        for (const c of r.createdMountpoints) created.add(c);
        return r.exitCode;
      },
      copy(req) { return copyInto(rootfs, req); },
      async commit(opts = {}) {
        await unmount();
        try {
          cleanMountpoints(upper, lowers, created);
          const layer = await layerFromUpper(upper, opts.epoch);
          if (layer.entries === 0) { await drop(); return state; }
          const store = svc.engine.images();
          const digest = await store.content.putBuffer(layer.blob);
          const next: BuildState = { layers: [...state.layers, { digest, size: layer.blob.length, mediaType: MEDIA_OCI_LAYER_GZIP, diffId: layer.diffId }] };
          const chain = chainIDs(next.layers.map((l) => l.diffId)).at(-1)!;
          let exists = !!sn.stat(chain);
          if (!exists) {
            // Another stage of this build (or another build) may commit the same chain meanwhile.
            try { sn.commit(chain, id, { labels: { 'berth.diffID': layer.diffId } }); } catch (e) { if (!(e instanceof SnapshotExistsError)) throw e; exists = true; }
          }
          if (exists) { try { sn.remove(id); } catch { /* gone */ } }
          rmSync(dir, { recursive: true, force: true });
          lock.release();
          return next;
        } catch (e) {
          await drop();
          throw e;
        }
      },
      discard: drop,
    };
  }

  /** A state's files, read-only, for the duration of `fn` (COPY --from, RUN --mount from=). */
  async withView<T>(state: BuildState, fn: (root: string) => Promise<T> | T): Promise<T> {
    const w = await this.workRoot(state);
    try { return await fn(w.path); } finally { await w.discard(); }
  }

  /** Writes config + manifest for `state` and names it with each tag (none: kept by its ID). */
  async writeImage(state: BuildState, config: ImageConfig, tags: string[]): Promise<{ id: string; manifestDigest: string }> {
    const store = this.engine.images();
    const full: ImageConfig = { ...config, rootfs: { type: 'layers', diff_ids: state.layers.map((l) => l.diffId) } };
    const cfg = Buffer.from(JSON.stringify(full));
    const id = await store.content.putBuffer(cfg);
    const manifest: Manifest = {
      schemaVersion: 2, mediaType: MEDIA_OCI_MANIFEST,
      config: { mediaType: MEDIA_OCI_CONFIG, digest: id, size: cfg.length },
      layers: state.layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })),
    };
    const mbytes = Buffer.from(JSON.stringify(manifest));
    const manifestDigest = await store.content.putBuffer(mbytes);
    const names = tags.length ? tags.map((t) => { try { return normalizeReference(t); } catch (e) { throw new BuildError(`invalid tag "${t}": ${(e as Error).message}`); } }) : [id];
    for (const name of names) {
      store.metadata.put({ name, target: { mediaType: MEDIA_OCI_MANIFEST, digest: manifestDigest, size: mbytes.length }, manifestDigest, configDigest: id, platform: { os: full.os, architecture: full.architecture, ...(full.variant ? { variant: full.variant } : {}) } });
    }
    return { id, manifestDigest };
  }

  /** The built image as an archive: docker-archive, oci-archive, or an OCI layout directory. */
  async exportImage(id: string, dest: string, format: 'docker-archive' | 'oci-archive' | 'oci-dir'): Promise<void> {
    const { saveImage } = await import('../../image/ops/archive.ts');
    await saveImage(this.engine.images(), [id], dest, format);
  }

  /** A state's files, into a directory (`tar: false`) or a tar file. */
  async exportRootfs(state: BuildState, dest: string, tar: boolean): Promise<void> {
    await this.withView(state, (root) => {
      const r = tar
        ? spawnSync('tar', ['--numeric-owner', '--xattrs', '--sort=name', '-C', root, '-cf', dest, '.'], { encoding: 'utf8' })
        : (mkdirSync(dest, { recursive: true }), spawnSync('cp', ['-a', '--', `${root}/.`, dest], { encoding: 'utf8' }));
      if (r.status !== 0) throw new BuildError(`exporting the build result to ${dest}: ${r.stderr.trim()}`);
    });
  }

  /** --cache-to type=local,dest=DIR: the records given (key → state) and every layer blob they
   * name, as DIR/index.json and DIR/blobs/sha256/<hex> (blobs already there are kept). */
  async exportCache(dest: string, records: Map<string, BuildState>): Promise<void> {
    const blobs = join(dest, 'blobs', 'sha256');
    mkdirSync(blobs, { recursive: true });
    const store = this.engine.images();
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
  readCache(src: string): Map<string, BuildState> {
    let index: { records?: Record<string, BuildState> };
    try { index = JSON.parse(readFileSync(join(src, 'index.json'), 'utf8')) as typeof index; } catch (e) {
      throw new BuildError(`--cache-from ${src}: no cache there (${(e as Error).message})`);
    }
    return new Map(Object.entries(index.records ?? {}));
  }

  /** Takes an imported record's blobs into the store (checked against their digests) and records
   * it locally; false when a blob is missing from the imported cache. */
  async adoptCache(src: string, key: string, state: BuildState): Promise<boolean> {
    const store = this.engine.images();
    for (const l of state.layers) {
      if (await store.content.has(l.digest)) continue;
      let data: Buffer;
      try { data = readFileSync(join(src, 'blobs', 'sha256', l.digest.slice('sha256:'.length))); } catch { return false; }
      await store.content.putBuffer(data, { digest: l.digest });
    }
    this.cachePut(key, state);
    return true;
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
    const store = this.engine.images();
    const gc = await garbageCollect({ store: store.content, metadata: store.metadata, snapshotter: store.snapshotter, graceMs: 0 });
    return { records, bytesFreed: bytesFreed + gc.bytesFreed };
  }

  /** Work roots left by a build that was killed (their snapshots and mounts). */
  async cleanStale(): Promise<void> {
    const sn = this.engine.images().snapshotter;
    for (const s of sn.list()) {
      if (!s.key.startsWith(SNAP_PREFIX)) continue;
      const dir = join(this.#workDir, s.key);
      const lock = tryAcquireLock(`${dir}.lock`);
      if (!lock) continue;
      try {
        // Its build died (killed mid-step): its RUN container, mount, snapshot and directory go.
        try { await openRuntime(findRuntime(this.engine.opts.runtime ?? 'berth-runtime'), this.engine.paths.runtimeRoot).delete(s.key, { force: true }); } catch { /* never created, or gone */ }
        for (let i = 0; i < 5 && isMounted(join(dir, 'rootfs')); i++) await unmountAsync(join(dir, 'rootfs'));
        try { sn.remove(s.key); } catch { /* something is built on it */ }
        rmSync(dir, { recursive: true, force: true });
      } finally {
        lock.release();
      }
    }
  }

  host(): { os: string; architecture: string; variant?: string } { return hostPlatform(); }
}

/** Removes from the upper directory the mount points the runtime created (absent before the run)
 * and the directories copied up only to hold them, so that `RUN true` adds no layer. */
function cleanMountpoints(upper: string, lowers: string[], created: Set<string>): void {
  const inLower = (rel: string) => lowers.some((l) => { try { return lstatSync(join(l, rel)).isDirectory(); } catch { return false; } });
  for (const c of [...created].sort((a, b) => b.length - a.length)) {
    const rel = posix.normalize(c).replace(/^\/+/, '');
    const p = join(upper, rel);
    try {
      const st = lstatSync(p);
      if (st.isDirectory()) { if (readdirSync(p).length) continue; rmdirSync(p); }
      else if (st.size === 0) rmSync(p, { force: true });
      else continue;
    } catch { continue; }
    let parent = posix.dirname(rel);
    while (parent !== '.' && parent !== '/') {
      const hp = join(upper, parent);
      try {
        if (readdirSync(hp).length || !inLower(parent)) break;
        rmdirSync(hp);
      } catch { break; }
      parent = posix.dirname(parent);
    }
  }
}
