// docker import: a root filesystem tarball (plain or gzip-compressed) becomes a one-layer image
// under a name, with an empty runtime config (no command: `run` must give one), the host's
// platform and a history entry carrying the message.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import type { ImageStore } from '../store/index.ts';
import { normalizeReference } from '../reference.ts';
import { hostPlatform, MEDIA_OCI_CONFIG, MEDIA_OCI_LAYER, MEDIA_OCI_LAYER_GZIP, MEDIA_OCI_MANIFEST, type ImageConfig, type ImageRunConfig } from '../types.ts';
import { InvalidImageArgumentError } from './errors.ts';

export interface ImportImageOptions {
  /** REPOSITORY[:TAG] (berth keeps images by name: required). */
  reference: string;
  /** The history entry's comment (docker import --message). */
  message?: string;
  /** The image's run config (docker import --change; empty by default). */
  config?: ImageRunConfig;
}

export interface ImportedImage { id: string; name: string }

/** Imports the tarball at `source`; returns the new image's ID (its config digest) and name. */
export async function importImage(store: ImageStore, source: string, opts: ImportImageOptions): Promise<ImportedImage> {
  if (!opts.reference) throw new InvalidImageArgumentError('reference', 'import needs a repository name: berth keeps images by name');
  let name: string;
  try { name = normalizeReference(opts.reference); } catch (e) { throw new InvalidImageArgumentError('reference', `invalid reference format: ${(e as Error).message}`); }
  const blob = readFileSync(source);
  const gzip = blob.length > 2 && blob[0] === 0x1f && blob[1] === 0x8b;
  let tar: Buffer;
  try { tar = gzip ? gunzipSync(blob) : blob; } catch (e) { throw new InvalidImageArgumentError('source', `import: the gzip stream is corrupt: ${(e as Error).message}`); }
  // A tar's first header has "ustar" at 257 (POSIX and GNU); bzip2, xz and anything else stop here.
  if (tar.length < 512 || tar.subarray(257, 262).toString('latin1') !== 'ustar') {
    throw new InvalidImageArgumentError('source', 'import: the source is not a tar archive (plain or gzip-compressed)');
  }
  const diffId = `sha256:${createHash('sha256').update(tar).digest('hex')}`;
  const layerDigest = await store.content.putBuffer(blob);
  const created = new Date().toISOString();
  const platform = hostPlatform();
  const config: ImageConfig = {
    created, architecture: platform.architecture, os: platform.os,
    config: opts.config ?? {},
    rootfs: { type: 'layers', diff_ids: [diffId] },
    history: [{ created, created_by: 'berth import', ...(opts.message ? { comment: opts.message } : {}) }],
  };
  const configBytes = Buffer.from(JSON.stringify(config));
  const configDigest = await store.content.putBuffer(configBytes);
  const manifest = {
    schemaVersion: 2, mediaType: MEDIA_OCI_MANIFEST,
    config: { mediaType: MEDIA_OCI_CONFIG, digest: configDigest, size: configBytes.length },
    layers: [{ mediaType: gzip ? MEDIA_OCI_LAYER_GZIP : MEDIA_OCI_LAYER, digest: layerDigest, size: blob.length }],
  };
  const manifestBytes = Buffer.from(JSON.stringify(manifest));
  const manifestDigest = await store.content.putBuffer(manifestBytes);
  store.metadata.put({
    name, target: { mediaType: MEDIA_OCI_MANIFEST, digest: manifestDigest, size: manifestBytes.length },
    manifestDigest, configDigest, platform,
  });
  return { id: configDigest, name };
}
