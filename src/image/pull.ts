// pull: resolve a reference on its registry, pick the platform from an index, and store the
// index, manifest, config and layers in the content store, layers three at a time. Every
// blob is verified against its digest before it becomes visible in the store.
import { PassThrough, type Readable } from 'node:stream';
import type { Credentials } from './auth/credentials.ts';
import { formatReference, manifestReference, parseReference, type Reference } from './reference.ts';
import { RegistryClient } from './registry/client.ts';
import type { RegistriesConfig } from './registry/config.ts';
import { UnsupportedManifestError } from './registry/errors.ts';
import { formatPlatform, parsePlatform, selectManifest } from './registry/platform.ts';
import { quietProgress, type Progress } from './progress.ts';
import { shortId } from './types.ts';
import type { ContentStore } from './store/content.ts';
import {
  hostPlatform, isIndexMediaType, isManifestMediaType, type Descriptor, type ImageConfig, type Index, type Manifest, type Platform,
} from './types.ts';
import { parallel } from './registry/parallel.ts';

export interface PullOptions {
  store: ContentStore;
  /** `os/arch[/variant]` or a Platform; default the host's. */
  platform?: string | Platform;
  progress?: Progress;
  /** A ready client (tests, sharing a token cache); default one for the reference's registry. */
  client?: RegistryClient;
  credentials?: Credentials | null;
  registries?: RegistriesConfig;
  /** Parallel layer downloads; default 3 (docker's default). */
  concurrency?: number;
  /** Tee for unpack-while-downloading: called once per layer with a stream of its bytes, in
   * order. The stream errors if the download fails verification; the pull waits for the
   * returned promise (so a slow consumer slows the download, and a failing one fails the pull).
   * Layers already in the store are streamed from the store. */
  onLayer?: (layer: Descriptor, stream: Readable) => void | Promise<void>;
  /** Called once the manifest and config are known, before any layer is fetched (an unpacker
   * needs the diffIDs to name snapshots). A rejection fails the pull. */
  onConfig?: (manifest: Manifest, config: ImageConfig) => void | Promise<void>;
}

export interface PullResult {
  /** The normalised reference pulled. */
  reference: string;
  /** What the reference resolved to: the index digest for multi-platform images, else the
   * manifest digest (docker's "Digest:" line, RepoDigests). */
  digest: string;
  mediaType: string;
  /** Size in bytes of the manifest or index at `digest` (for ImageRecord.target). */
  size: number;
  /** The platform manifest chosen (equal to `digest` for single-platform images). */
  manifestDigest: string;
  manifest: Manifest;
  configDigest: string;
  config: ImageConfig;
  index?: Index;
  platform: Platform;
}

function parseJson<T>(bytes: Buffer, what: string): T {
  try {
    return JSON.parse(bytes.toString('utf8')) as T;
  } catch (e) {
    throw new UnsupportedManifestError(what, `not valid JSON: ${(e as Error).message}`);
  }
}

/** Downloads one blob into the store unless present; reports progress; tees to `onLayer`. */
async function fetchBlobToStore(client: RegistryClient, path: string, desc: Descriptor, store: ContentStore, progress: Progress, onLayer: PullOptions['onLayer']): Promise<void> {
  const id = shortId(desc.digest);
  const writer = await store.writer({ digest: desc.digest, size: desc.size });
  if (writer.exists) {
    progress.emit({ type: 'layer', id, action: 'exists' });
    if (onLayer) await onLayer(desc, streamFromStore(store, desc.digest));
    return;
  }
  // The tee only sees bytes from offset 0; a download resumed from an earlier run is handed
  // over from the store once complete.
  const tee = onLayer && writer.offset === 0 ? new PassThrough({ highWaterMark: 1 << 20 }) : undefined;
  const consumer = tee && onLayer ? Promise.resolve(onLayer(desc, tee)) : undefined;
  consumer?.catch(() => undefined); // observed below; avoid an unhandled rejection meanwhile
  let current = writer.offset;
  progress.emit({ type: 'layer', id, action: 'downloading', current, total: desc.size });
  try {
    await client.fetchBlob(path, desc, writer, {
      onBytes: (n) => { current += n; progress.emit({ type: 'layer', id, action: 'downloading', current, total: desc.size }); },
      // A consumer that failed (and destroyed its stream) no longer reads: keep downloading into
      // the store without it; its rejection fails the pull below.
      onChunk: tee ? async (c) => { if (!tee.destroyed && !tee.write(c) && !tee.destroyed) await drainOrClose(tee); } : undefined,
    });
  } catch (e) {
    tee?.destroy(e as Error);
    progress.emit({ type: 'layer', id, action: 'failed' });
    if (consumer) await consumer.catch(() => undefined);
    throw e;
  }
  progress.emit({ type: 'layer', id, action: 'complete', current: desc.size, total: desc.size });
  if (tee) { tee.end(); await consumer; } else if (onLayer) await onLayer(desc, streamFromStore(store, desc.digest));
}

/** Resolves when `s` drains or closes, leaving no listener behind. */
function drainOrClose(s: PassThrough): Promise<void> {
  return new Promise((resolve) => {
    const done = () => { s.off('drain', done); s.off('close', done); resolve(); };
    s.on('drain', done);
    s.on('close', done);
  });
}

function streamFromStore(store: ContentStore, digest: string): Readable {
  const s = store as ContentStore & { stream?: (d: string) => Readable };
  if (typeof s.stream === 'function') return s.stream(digest);
  const pt = new PassThrough();
  store.read(digest).then((b) => pt.end(b), (e: Error) => pt.destroy(e));
  return pt;
}

export async function pull(ref: string | Reference, opts: PullOptions): Promise<PullResult> {
  const r = typeof ref === 'string' ? parseReference(ref) : ref;
  const name = formatReference(r);
  const progress = opts.progress ?? quietProgress;
  const platform = opts.platform === undefined ? hostPlatform() : typeof opts.platform === 'string' ? parsePlatform(opts.platform) : opts.platform;
  const client = opts.client ?? new RegistryClient({ domain: r.domain, credentials: opts.credentials, registries: opts.registries });
  const store = opts.store;
  try {
    progress.emit({ type: 'status', message: `${r.tag ?? r.digest}: Pulling from ${r.path}` });
    const top = await client.getManifest(r.path, manifestReference(r));
    let index: Index | undefined;
    let manifestDigest = top.digest;
    let manifestBytes = top.bytes;
    let manifestType = top.mediaType;
    if (isIndexMediaType(top.mediaType)) {
      index = parseJson<Index>(top.bytes, name);
      if (!Array.isArray(index.manifests)) throw new UnsupportedManifestError(name, 'index without a "manifests" array');
      const chosen = selectManifest(index, platform);
      if (!chosen) {
        const have = index.manifests.filter((d) => d.platform && d.platform.os !== 'unknown').map((d) => formatPlatform(d.platform!));
        throw new UnsupportedManifestError(name, `no image for platform ${formatPlatform(platform)} (available: ${have.join(', ') || 'none'})`);
      }
      const child = await client.getManifest(r.path, chosen.digest);
      manifestDigest = child.digest;
      manifestBytes = child.bytes;
      manifestType = child.mediaType;
    }
    if (!isManifestMediaType(manifestType)) throw new UnsupportedManifestError(name, `unsupported manifest media type ${manifestType}`);
    const manifest = parseJson<Manifest>(manifestBytes, name);
    if (!manifest.config || !Array.isArray(manifest.layers)) throw new UnsupportedManifestError(name, 'manifest without config or layers');

    const cfgDesc = manifest.config;
    await fetchBlobToStore(client, r.path, cfgDesc, store, quietProgress, undefined);
    const config = parseJson<ImageConfig>(await store.read(cfgDesc.digest), `${name} config ${cfgDesc.digest}`);
    await opts.onConfig?.(manifest, config);

    await parallel(manifest.layers, opts.concurrency ?? 3, (layer) => fetchBlobToStore(client, r.path, layer, store, progress, opts.onLayer), (layer) => {
      progress.emit({ type: 'layer', id: shortId(layer.digest), action: 'waiting' });
    });

    // Manifests last: their presence in the store means everything they name is there.
    await store.putBuffer(manifestBytes, { digest: manifestDigest });
    if (index) await store.putBuffer(top.bytes, { digest: top.digest });
    progress.emit({ type: 'status', message: `Digest: ${top.digest}` });
    progress.emit({ type: 'status', message: `Status: Downloaded newer image for ${name}` });
    return {
      reference: name, digest: top.digest, mediaType: top.mediaType, size: top.bytes.length, manifestDigest, manifest, configDigest: cfgDesc.digest, config, index,
      platform: { os: config.os ?? platform.os, architecture: config.architecture ?? platform.architecture, ...(config.variant ? { variant: config.variant } : {}) },
    };
  } finally {
    progress.close();
  }
}
