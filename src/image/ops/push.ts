// `push`: upload the image a local tag names; afterwards the repository digest is recorded as
// a name (RepoDigests), as docker does. Blobs another repository of the same registry holds
// (known from this image's other names) are mounted instead of uploaded.
import { push } from '../push.ts';
import type { Progress } from '../progress.ts';
import { formatReference, parseReference, repositoryName } from '../reference.ts';
import type { ImageStore } from '../store/open.ts';
import { NoSuchImageError } from './errors.ts';
import { nameParts, normalizeName } from './names.ts';
import { registryClient, type RegistryAccess } from './pull.ts';
import { setName } from './records.ts';

export interface PushImageOptions extends RegistryAccess {
  progress?: Progress;
  /** Upload in chunks of this many bytes (default: one request per blob). */
  chunkSize?: number;
}

export interface PushedImage {
  reference: string;
  digest: string;
  size: number;
  blobs: Record<string, 'uploaded' | 'mounted' | 'exists'>;
}

export class NoSuchLocalTagError extends NoSuchImageError {
  override name = 'NoSuchLocalTagError';
  constructor(ref: string) {
    super(ref);
    this.message = `An image does not exist locally with the tag: ${ref}`;
  }
}

export async function pushImage(store: ImageStore, ref: string, opts: PushImageOptions = {}): Promise<PushedImage> {
  const r = parseReference(ref);
  const rec = store.metadata.get(normalizeName(ref));
  if (!rec) throw new NoSuchLocalTagError(ref);
  const repo = repositoryName(r);
  const sibling = store.metadata.list().find((o) => {
    if (o.configDigest !== rec.configDigest) return false;
    const p = nameParts(o.name);
    return p.repository !== undefined && p.repository !== repo && p.repository.startsWith(`${r.domain}/`);
  });
  const mountFrom = sibling ? nameParts(sibling.name).repository!.slice(r.domain.length + 1) : undefined;
  const res = await push({ mediaType: rec.target.mediaType, digest: rec.target.digest, size: rec.target.size }, r, {
    store: store.content, progress: opts.progress, client: registryClient(r.domain, opts), chunkSize: opts.chunkSize, mountFrom,
  });
  setName(store, `${repo}@${res.digest}`, {
    target: { mediaType: res.mediaType, digest: res.digest, size: res.size }, manifestDigest: rec.manifestDigest, configDigest: rec.configDigest, platform: rec.platform,
  });
  return { reference: formatReference(r), digest: res.digest, size: res.size, blobs: res.blobs };
}
