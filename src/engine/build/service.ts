// The engine's build support: what a Dockerfile builder needs and only the engine may do. A
// build state is a list of layers (plain data the builder keeps and the cache stores); a work root
// is a writable snapshot over a state, mounted, in which a step runs a process or copies files and
// which then becomes the next state (its upper directory diffed into a layer; an unchanged root
// adds none). Images are written to the store from a state and a config. The builder plans; the
// engine decides where things live, how processes run and what a layer holds.
import { spawnSync } from 'node:child_process';
import { lstatSync, mkdirSync, readdirSync, rmdirSync, rmSync } from 'node:fs';
import { join, posix } from 'node:path';
import { randomBytes } from '../../util/random.ts';
import { chainIDs, SnapshotExistsError, unpackImage } from '../../image/snapshots/index.ts';
import { mountAllAsync, unmountAsync } from '../../image/snapshots/snapshotter.ts';
import { normalizeReference } from '../../image/reference.ts';
import { hostPlatform, MEDIA_OCI_CONFIG, MEDIA_OCI_INDEX, MEDIA_OCI_LAYER_GZIP, MEDIA_OCI_LAYER_ZSTD, MEDIA_OCI_MANIFEST, type ImageConfig, type Manifest, type Platform } from '../../image/types.ts';
import type { EngineCore } from '../core.ts';
import { resolveImage, type PullPolicy } from '../images.ts';
import { findRuntime } from '../runtime.ts';
import { openRuntime } from '../ociruntime/index.ts';
import { acquireLock, tryAcquireLock } from '../../util/lock.ts';
import { copyInto, type CopyRequest } from './files.ts';
import { BuildCache } from './cache.ts';
import { INLINE_CACHE_KEY, inlineCache } from './cache-transfer.ts';
import { BuildNetworks } from './network.ts';
import { BuildError, type BaseImage, type BuildState } from './types.ts';
import { layerFromUpper, type LayerCompression } from './layer.ts';
import { runInRoot, type BuildProcess } from './process.ts';
import { isMounted } from '../rootfs.ts';
import { buildPlatform, cannotRun } from './platform.ts';
import { traceSince } from '../../util/trace.ts';

export interface WorkRoot {
  readonly id: string;
  /** Host path of the mounted root (for the builder to read sources of COPY --from). */
  readonly path: string;
  run(proc: BuildProcess, onOutput: (chunk: Buffer, stream: 'stdout' | 'stderr') => void, signal?: AbortSignal): Promise<number>;
  /** `reuse`: the state an earlier run of the same COPY step produced (its files are linked where
   * they are what this copy would write: a changed context re-copies only what changed). */
  copy(req: CopyRequest, reuse?: BuildState): Promise<void>;
  /** The root as a new state (one more layer unless nothing changed); the work root is gone after. */
  commit(opts?: { epoch?: number; compression?: LayerCompression }): Promise<BuildState>;
  /** Drops the work root and its changes. */
  discard(): Promise<void>;
}

const SNAP_PREFIX = 'berth-build-';

export class BuildService {
  readonly engine: EngineCore;
  readonly cache: BuildCache;
  readonly #networks: BuildNetworks;
  #releasing: Promise<void> | undefined;
  #releaseError: unknown;
  constructor(engine: EngineCore) {
    this.engine = engine;
    this.cache = new BuildCache(engine);
    this.#networks = new BuildNetworks(engine, join(engine.paths.runRoot, 'build'));
  }

  /** Starts making the build's network namespace (RUN --network=default) ahead of the first RUN
   * that needs it, so that its set-up overlaps the steps before; a failure shows at that RUN. */
  prepareNetwork(): void {
    this.#networks.get().catch(() => { /* reported by the RUN's own get() */ });
  }

  /** No RUN of this build needs its network namespace any more: it is removed in the background
   * (close() waits for it). */
  releaseNetwork(): void {
    const prev = this.#releasing;
    // Settled here (a failure is reported by close()), so that it is never an unhandled rejection.
    this.#releasing = (async () => { await prev; try { await this.#networks.release(); } catch (e) { this.#releaseError ??= e; } })();
  }

  /** Ends the build's use of shared resources (its network namespace). */
  async close(): Promise<void> {
    await this.#releasing;
    await this.#networks.release();
    if (this.#releaseError !== undefined) throw this.#releaseError;
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
    const t0 = performance.now();
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
    traceSince('work root: snapshot + mount', t0);
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
      async run(proc, onOutput, signal) {
        const runtime = svc.engine.runtimeFor();
        const rt = runtime.path;
        // The container may still be between create and start when the build is cancelled: the
        // kill is retried for a while rather than given up (its output pipes keep the run open).
        const kill = async () => {
          for (let i = 0; ; i++) {
            try { return await runtime.kill(id, 'SIGKILL', { all: true }); } catch (e) {
              if (i >= 50) throw e;
              await new Promise((r) => setTimeout(r, 100));
            }
          }
        };
        const t2 = performance.now();
        const net = proc.network === 'default' ? await svc.#networks.get() : undefined;
        traceSince('run: network', t2);
        const t1 = performance.now();
        const r = await runInRoot({ id, dir, rootfs, runtime: rt, runtimeRoot: svc.engine.paths.runtimeRoot, cgroupParent: svc.engine.paths.cgroupParent, proc, onOutput, ...(signal ? { signal, kill } : {}), ...(net ? { net } : {}) });
        traceSince('run: the container', t1);
        for (const c of r.createdMountpoints) created.add(c);
        return r.exitCode;
      },
      async copy(req, reuse) {
        const t1 = performance.now();
        const from = svc.#topDir(reuse);
        await copyInto(rootfs, { ...req, ...(from ? { reuse: { from, upper } } : {}) });
        traceSince(`copy (${req.entries.length} entries)`, t1);
      },
      async commit(opts = {}) {
        let t1 = performance.now();
        await unmount();
        traceSince('commit: unmount', t1);
        try {
          cleanMountpoints(upper, lowers, created);
          const layer = await layerFromUpper(upper, opts.epoch, opts.compression);
          if (layer.entries === 0) { await drop(); return state; }
          const store = svc.engine.images();
          t1 = performance.now();
          const digest = await store.content.putBuffer(layer.blob);
          const next: BuildState = { layers: [...state.layers, { digest, size: layer.blob.length, mediaType: opts.compression === 'zstd' ? MEDIA_OCI_LAYER_ZSTD : MEDIA_OCI_LAYER_GZIP, diffId: layer.diffId }] };
          traceSince('commit: blob write', t1); t1 = performance.now();
          const chain = chainIDs(next.layers.map((l) => l.diffId)).at(-1)!;
          let exists = !!sn.stat(chain);
          if (!exists) {
            // Another stage of this build (or another build) may commit the same chain meanwhile.
            try { sn.commit(chain, id, { labels: { 'berth.diffID': layer.diffId } }); } catch (e) { if (!(e instanceof SnapshotExistsError)) throw e; exists = true; }
          }
          if (exists) { try { sn.remove(id); } catch { /* gone */ } }
          rmSync(dir, { recursive: true, force: true });
          lock.release();
          traceSince('commit: snapshot', t1);
          return next;
        } catch (e) {
          await drop();
          throw e;
        }
      },
      discard: drop,
    };
  }

  /** The directory of a state's top layer when its snapshot is still there (committed: read-only). */
  #topDir(state: BuildState | undefined): string | undefined {
    if (!state?.layers.length) return undefined;
    const sn = this.engine.images().snapshotter;
    const chain = chainIDs(state.layers.map((l) => l.diffId)).at(-1)!;
    const info = sn.stat(chain);
    return info && info.kind === 'committed' ? sn.fsPath(chain) : undefined;
  }

  /** A state's files, read-only, for the duration of `fn` (COPY --from, RUN --mount from=). */
  async withView<T>(state: BuildState, fn: (root: string) => Promise<T> | T): Promise<T> {
    const w = await this.workRoot(state);
    try { return await fn(w.path); } finally { await w.discard(); }
  }

  /** Writes config + manifest for `state` and names it with each tag (none: kept by its ID).
   * `inlineCache`: the records to carry in the config (--cache-to type=inline); `unnamed`: one
   * platform's image of several, named only through the index writeIndex makes. */
  async writeImage(state: BuildState, config: ImageConfig, tags: string[], opts: { inlineCache?: Map<string, BuildState>; unnamed?: boolean } = {}): Promise<{ id: string; manifestDigest: string }> {
    const store = this.engine.images();
    const full: ImageConfig = { ...config, rootfs: { type: 'layers', diff_ids: state.layers.map((l) => l.diffId) } };
    if (opts.inlineCache) (full as ImageConfig & Record<string, unknown>)[INLINE_CACHE_KEY] = inlineCache(state, opts.inlineCache);
    const cfg = Buffer.from(JSON.stringify(full));
    const id = await store.content.putBuffer(cfg);
    const manifest: Manifest = {
      schemaVersion: 2, mediaType: MEDIA_OCI_MANIFEST,
      config: { mediaType: MEDIA_OCI_CONFIG, digest: id, size: cfg.length },
      layers: state.layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })),
    };
    const mbytes = Buffer.from(JSON.stringify(manifest));
    const manifestDigest = await store.content.putBuffer(mbytes);
    if (opts.unnamed) return { id, manifestDigest };
    for (const name of tagNames(tags, id)) {
      store.metadata.put({ name, target: { mediaType: MEDIA_OCI_MANIFEST, digest: manifestDigest, size: mbytes.length }, manifestDigest, configDigest: id, platform: { os: full.os, architecture: full.architecture, ...(full.variant ? { variant: full.variant } : {}) } });
    }
    return { id, manifestDigest };
  }

  /** A multi-platform result: an OCI index of the platforms' manifests (written by writeImage),
   * named with each tag. The name's own image (what runs here, `id`) is the host's platform when
   * built, else the first. */
  async writeIndex(images: { manifestDigest: string; platform: Platform }[], tags: string[]): Promise<{ id: string; manifestDigest: string }> {
    const store = this.engine.images();
    const manifests = images.map((i) => ({
      mediaType: MEDIA_OCI_MANIFEST, digest: i.manifestDigest, size: store.content.readSync(i.manifestDigest).length,
      platform: { os: i.platform.os, architecture: i.platform.architecture, ...(i.platform.variant ? { variant: i.platform.variant } : {}) },
    }));
    const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_OCI_INDEX, manifests }));
    const digest = await store.content.putBuffer(bytes);
    const host = hostPlatform();
    const local = images.find((i) => i.platform.os === host.os && i.platform.architecture === host.architecture) ?? images[0];
    const configDigest = (JSON.parse(store.content.readSync(local.manifestDigest).toString('utf8')) as Manifest).config.digest;
    for (const name of tagNames(tags, configDigest)) {
      store.metadata.put({ name, target: { mediaType: MEDIA_OCI_INDEX, digest, size: bytes.length }, manifestDigest: local.manifestDigest, configDigest, platform: local.platform });
    }
    return { id: configDigest, manifestDigest: digest };
  }

  /** The built image as an archive: docker-archive, oci-archive, or an OCI layout directory. */
  async exportImage(id: string, dest: string, format: 'docker-archive' | 'oci-archive' | 'oci-dir'): Promise<void> {
    const { saveImage } = await import('../../image/ops/archive.ts');
    await saveImage(this.engine.images(), [id], dest, format);
  }

  /** --push: uploads the image a tag names to its registry; returns the pushed digest. */
  async push(tag: string): Promise<{ reference: string; digest: string }> {
    const { pushImage } = await import('../../image/ops/push.ts');
    const r = await pushImage(this.engine.images(), tag);
    return { reference: r.reference, digest: r.digest };
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

  /** Work roots left by a build that was killed (their snapshots and mounts). */
  async cleanStale(): Promise<void> {
    await this.#networks.cleanStale();
    const sn = this.engine.images().snapshotter;
    for (const s of sn.list()) {
      if (!s.key.startsWith(SNAP_PREFIX)) continue;
      const dir = join(this.#workDir, s.key);
      const lock = tryAcquireLock(`${dir}.lock`);
      if (!lock) continue;
      try {
        // Its build died (killed mid-step): its RUN container, mount, snapshot and directory go.
        try { await this.engine.runtimeFor().delete(s.key, { force: true }); } catch { /* never created, or gone */ }
        for (let i = 0; i < 5 && isMounted(join(dir, 'rootfs')); i++) await unmountAsync(join(dir, 'rootfs'));
        try { sn.remove(s.key); } catch { /* something is built on it */ }
        rmSync(dir, { recursive: true, force: true });
      } finally {
        lock.release();
      }
    }
  }

  host(): { os: string; architecture: string; variant?: string } { return hostPlatform(); }

  /** A --platform or FROM --platform as the builder uses it (BuildError when invalid). */
  platform(spec: string): Platform { return buildPlatform(spec); }

  /** Why a RUN for `p` cannot run on this host (no binfmt_misc handler); undefined if it can. */
  cannotRun(p: Platform): string | undefined { return cannotRun(p); }
}

/** The store names for a build's tags (none: the image is kept by its ID). */
function tagNames(tags: string[], id: string): string[] {
  return tags.length ? tags.map((t) => { try { return normalizeReference(t); } catch (e) { throw new BuildError(`invalid tag "${t}": ${(e as Error).message}`); } }) : [id];
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
