// push: upload an image from the content store to a registry. Blobs first (skipping those the
// repository has, mounting from another repository of the same registry when told where,
// three at a time), then child manifests by digest, then the top manifest under the tag.
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import type { Credentials } from './auth/credentials.ts';
import { formatReference, parseReference, type Reference } from './reference.ts';
import { RegistryClient } from './registry/client.ts';
import type { RegistriesConfig } from './registry/config.ts';
import { RegistryError, UnsupportedManifestError } from './registry/errors.ts';
import { parallel } from './registry/parallel.ts';
import { quietProgress, type Progress } from './progress.ts';
import { shortId } from './types.ts';
import type { ContentStore } from './store/content.ts';
import { isIndexMediaType, isManifestMediaType, MEDIA_OCI_INDEX, MEDIA_OCI_MANIFEST, type Descriptor, type Index, type Manifest } from './types.ts';

export interface PushOptions {
  store: ContentStore;
  progress?: Progress;
  client?: RegistryClient;
  credentials?: Credentials | null;
  registries?: RegistriesConfig;
  /** Parallel blob uploads; default 3. */
  concurrency?: number;
  /** Upload blobs larger than this in PATCH chunks of this size; default: one monolithic PUT. */
  chunkSize?: number;
  /** A repository path on the same registry the blobs may already be in (cross-repo mount). */
  mountFrom?: string;
}

export interface PushResult {
  reference: string;
  /** Digest of the manifest (or index) now at the tag. */
  digest: string;
  mediaType: string;
  size: number;
  /** What happened to each blob: uploaded, mounted, or already there. */
  blobs: Record<string, 'uploaded' | 'mounted' | 'exists'>;
}

export class PushError extends Error {
  readonly reference: string;
  constructor(reference: string, message: string) {
    super(`push ${reference}: ${message}`);
    this.name = 'PushError';
    this.reference = reference;
  }
}

function mediaTypeOf(bytes: Buffer, given: string | undefined): string {
  if (given) return given;
  const j = JSON.parse(bytes.toString('utf8')) as { mediaType?: string; manifests?: unknown };
  return j.mediaType ?? (Array.isArray(j.manifests) ? MEDIA_OCI_INDEX : MEDIA_OCI_MANIFEST);
}

function openBlob(store: ContentStore, digest: string): (start: number, end: number) => Readable {
  return (start, end) => createReadStream(store.path(digest), { start, end, highWaterMark: 1 << 20 });
}

/** Pushes the image whose top manifest (or index) is `image` in the store to `ref`. When an
 * index names platforms the store lacks (a single-platform pull of a multi-platform image),
 * only the local platform manifest is pushed, as docker does. */
export async function push(image: string | Descriptor, ref: string | Reference, opts: PushOptions): Promise<PushResult> {
  const r = typeof ref === 'string' ? parseReference(ref) : ref;
  const name = formatReference(r);
  const store = opts.store;
  const progress = opts.progress ?? quietProgress;
  const client = opts.client ?? new RegistryClient({ domain: r.domain, credentials: opts.credentials, registries: opts.registries });
  const desc = typeof image === 'string' ? { digest: image, mediaType: undefined } : image;
  const blobs: PushResult['blobs'] = {};
  try {
    let topBytes = await store.read(desc.digest);
    let topDigest = desc.digest;
    let topType = mediaTypeOf(topBytes, desc.mediaType);
    let children: { digest: string; bytes: Buffer; mediaType: string }[] = [];
    if (isIndexMediaType(topType)) {
      const index = JSON.parse(topBytes.toString('utf8')) as Index;
      for (const m of index.manifests) {
        if (await store.has(m.digest)) children.push({ digest: m.digest, bytes: await store.read(m.digest), mediaType: m.mediaType });
      }
      if (children.length === 0) throw new PushError(name, `none of the manifests of index ${desc.digest} are in the store`);
      if (children.length < index.manifests.length) {
        if (children.length > 1) throw new PushError(name, `index ${desc.digest} names ${index.manifests.length} manifests but only ${children.length} are local`);
        progress.emit({ type: 'status', message: `Pushing the local platform only (${children[0].digest}); the other platforms of the index are not in the store` });
        topBytes = children[0].bytes;
        topDigest = children[0].digest;
        topType = children[0].mediaType;
        children = [];
      }
    }
    if (r.digest && r.digest !== topDigest) throw new PushError(name, `the reference pins ${r.digest} but the image is ${topDigest}`);
    const manifests = children.length ? children : [{ digest: topDigest, bytes: topBytes, mediaType: topType }];

    // every distinct blob, in order: layers then config
    const todo = new Map<string, Descriptor>();
    for (const m of manifests) {
      if (!isManifestMediaType(m.mediaType)) throw new UnsupportedManifestError(name, `cannot push manifest of type ${m.mediaType}`);
      const man = JSON.parse(m.bytes.toString('utf8')) as Manifest;
      for (const b of [...man.layers, man.config]) {
        if (!(await store.has(b.digest))) throw new PushError(name, `blob ${b.digest} of manifest ${m.digest} is not in the store`);
        todo.set(b.digest, b);
      }
    }
    progress.emit({ type: 'status', message: `The push refers to repository [${r.domain}/${r.path}]` });
    await parallel([...todo.values()], opts.concurrency ?? 3, async (b) => {
      const id = shortId(b.digest);
      if ((await client.blobSize(r.path, b.digest, true)) !== null) {
        blobs[b.digest] = 'exists';
        progress.emit({ type: 'layer', id, action: 'exists' });
        return;
      }
      let current = 0;
      progress.emit({ type: 'layer', id, action: 'pushing', current, total: b.size });
      const how = await client.uploadBlob(r.path, b, openBlob(store, b.digest), {
        chunkSize: opts.chunkSize,
        mountFrom: opts.mountFrom,
        onBytes: (n) => { current += n; progress.emit({ type: 'layer', id, action: 'pushing', current, total: b.size }); },
      });
      blobs[b.digest] = how;
      progress.emit({ type: 'layer', id, action: how === 'mounted' ? 'mounted' : 'pushed' });
    }, (b) => progress.emit({ type: 'layer', id: shortId(b.digest), action: 'waiting' }));

    for (const c of children) await client.putManifest(r.path, c.digest, c.bytes, c.mediaType);
    const tag = r.tag ?? (r.digest ? topDigest : 'latest');
    const pushed = await client.putManifest(r.path, tag, topBytes, topType);
    if (pushed !== topDigest) throw new RegistryError(r.domain, `put manifest ${name}`, `registry stored ${pushed}, expected ${topDigest}`);
    progress.emit({ type: 'status', message: `${tag}: digest: ${topDigest} size: ${topBytes.length}` });
    return { reference: name, digest: topDigest, mediaType: topType, size: topBytes.length, blobs };
  } finally {
    progress.close();
  }
}
