// engine.images: the image layer's operations (src/image/ops) on the engine's image store, with
// the engine answering "which containers use this image?" for remove and prune. Fronts call
// these; they never open the image store or import src/image themselves.
import type { ImageStore } from '../image/store/index.ts';
import type {
  ContainerUse, Credentials, HistoryItem, ImageInspect, ImageRecord, ImageSummary, LoadedImage, PulledImage, PullImageOptions,
  PushedImage, PushImageOptions, PruneResult as ImagePruneResult, RemoveResult,
} from '../image/index.ts';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { applyConfigChanges, type ConfigChange } from './config-changes.ts';
import type { EngineCore } from './core.ts';
import type { Filters } from './requests.ts';
import { asList, inspectImageRef, listImageSummaries, type ImageListOptions } from './image-queries.ts';
export type { ImageListOptions } from './image-queries.ts';

// Each operation's module is loaded on first use (the whole of src/image/ops is the registry
// client, the archive code...): a run, or an `images`, loads only what it calls.
const op = {
  pull: () => import('../image/ops/pull.ts'), push: () => import('../image/ops/push.ts'),
  inspect: () => import('../image/ops/inspect.ts'), tag: () => import('../image/ops/tag.ts'), remove: () => import('../image/ops/remove.ts'),
  prune: () => import('../image/ops/prune.ts'), archive: () => import('../image/ops/archive.ts'), login: () => import('../image/ops/login.ts'),
  import: () => import('../image/ops/import.ts'),
};


export class ImageService {
  readonly #core: EngineCore;
  constructor(core: EngineCore) { this.#core = core; }

  /** The open image store: for the image layer's own readers (commit, build), not for fronts. */
  store(): ImageStore { return this.#core.images(); }

  /** A scratch directory on the store's file system (save/load stage archives there). */
  tmpDir(): string { return this.#core.images().content.tmpDir; }

  async pull(ref: string, opts: PullImageOptions = {}): Promise<PulledImage[]> { return (await op.pull()).pullImage(this.store(), ref, opts); }
  async push(ref: string, opts: PushImageOptions = {}): Promise<PushedImage> { return (await op.push()).pushImage(this.store(), ref, opts); }
  list(opts: ImageListOptions = {}): Promise<ImageSummary[]> { return listImageSummaries(this.store(), opts); }
  inspect(ref: string): Promise<ImageInspect> { return inspectImageRef(this.store(), ref); }
  async history(ref: string): Promise<HistoryItem[]> { return (await op.inspect()).imageHistory(this.store(), ref); }
  async tag(source: string, target: string): Promise<ImageRecord> { return (await op.tag()).tagImage(this.store(), source, target); }
  async remove(ref: string, opts: { force?: boolean } = {}): Promise<RemoveResult> {
    return (await op.remove()).removeImage(this.store(), ref, { force: opts.force ?? false, usedBy: this.usedBy() });
  }
  /** Dangling images (every image no container uses with `all`), until=/label= filters. */
  async prune(opts: { all?: boolean; filters?: Filters } = {}): Promise<ImagePruneResult> {
    return (await op.prune()).pruneImages(this.store(), { all: opts.all ?? false, filters: asList(opts.filters), usedBy: this.usedBy() });
  }
  /** `format`: docker-archive (default), oci-archive or oci-dir; another is an error. */
  async save(refs: readonly string[], dest: string, format?: string): Promise<void> {
    const o = await op.archive();
    return o.saveImage(this.store(), refs, dest, o.parseArchiveFormat(format));
  }
  /** docker import: a root filesystem tarball (plain or gzip) as a one-layer image; `source` is
   * a file, or an http(s) URL downloaded first (into the store's scratch directory); `changes`
   * (docker import --change) make its config. */
  async import(source: string, o: { reference: string; message?: string; signal?: AbortSignal; changes?: ConfigChange[] }): Promise<{ id: string; name: string }> {
    const { importImage } = await op.import();
    // --change: over the empty config an imported image starts with.
    const opts = { ...o, ...(o.changes?.length ? { config: applyConfigChanges({}, o.changes) } : {}) };
    if (!/^https?:\/\//i.test(source)) return importImage(this.store(), source, opts);
    const dir = mkdtempSync(join(this.tmpDir(), 'import-url-'));
    try {
      const file = join(dir, 'rootfs.tar');
      await download(source, file, opts.signal);
      return await importImage(this.store(), file, opts);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  /** What was loaded, and docker's lines for it ("Loaded image: NAME"). */
  async load(source: string): Promise<LoadedImage & { messages: string[] }> {
    const o = await op.archive();
    const l = await o.loadImage(this.store(), source);
    return { ...l, messages: o.loadMessages(l) };
  }
  async login(server: string | undefined, creds: Credentials): Promise<string> { return (await op.login()).loginRegistry(server, creds); }
  async logout(server: string | undefined): Promise<{ domain: string; removed: boolean }> { return (await op.login()).logoutRegistry(server); }

  /** Containers of this engine whose image is `imageId`. */
  private usedBy(): (imageId: string) => ContainerUse[] {
    return (imageId) => this.#core.store.list().map((r) => this.#core.refresh(r))
      .filter((c) => c.config.imageId === imageId)
      .map((c) => ({ id: c.id, running: c.state.status === 'running' }));
  }
}

/** GETs `url` into `file`; a failure (no answer, a status other than 2xx) says which URL and why. */
async function download(url: string, file: string, signal?: AbortSignal): Promise<void> {
  const { InvalidImageArgumentError } = await import('../image/ops/errors.ts');
  let res: Response;
  try {
    res = await fetch(url, { redirect: 'follow', ...(signal ? { signal } : {}) });
  } catch (e) {
    const cause = (e as { cause?: Error }).cause?.message ?? (e as Error).message;
    throw new InvalidImageArgumentError('source', `import: downloading ${url}: ${cause}`);
  }
  if (!res.ok || !res.body) {
    await res.body?.cancel();
    throw new InvalidImageArgumentError('source', `import: downloading ${url}: ${res.status} ${res.statusText}`);
  }
  await pipeline(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), createWriteStream(file)).catch((e: Error) => {
    throw new InvalidImageArgumentError('source', `import: downloading ${url}: ${e.message}`);
  });
}
