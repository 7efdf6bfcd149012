// Builds small test images in a berth image store from directories packed with GNU tar.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import type { ImageStore } from '../../../src/image/store/open.ts';
import { MEDIA_OCI_CONFIG, MEDIA_OCI_LAYER_GZIP, MEDIA_OCI_MANIFEST, hostPlatform, type Descriptor, type ImageConfig, type ImageRunConfig, type Manifest } from '../../../src/image/types.ts';

export function sha(b: Buffer | string): string {
  return 'sha256:' + createHash('sha256').update(b).digest('hex');
}

/** Packs `dir` with GNU tar (posix format, numeric owners, xattrs) and gzips it. */
export function gnuTarGz(dir: string, out: string): Buffer {
  execFileSync('tar', ['--format=posix', '--numeric-owner', '--xattrs', '--xattrs-include=*', '-czf', out, '-C', dir, '.']);
  return readFileSync(out);
}

export interface BuiltImage { manifest: Manifest; config: ImageConfig; manifestDigest: string; configDigest: string; manifestSize: number }

/** Stores layers (gzip blobs) + config + manifest, and names the image. */
export async function storeImage(s: ImageStore, name: string, layerBlobs: Buffer[], run: ImageRunConfig = {}): Promise<BuiltImage> {
  const layers: Descriptor[] = [];
  const diffIDs: string[] = [];
  for (const blob of layerBlobs) {
    const digest = await s.content.putBuffer(blob);
    layers.push({ mediaType: MEDIA_OCI_LAYER_GZIP, digest, size: blob.length });
    diffIDs.push(sha(gunzipSync(blob)));
  }
  const p = hostPlatform();
  const config: ImageConfig = { created: '2024-01-01T00:00:00Z', architecture: p.architecture, os: p.os, config: run, rootfs: { type: 'layers', diff_ids: diffIDs }, history: layerBlobs.map(() => ({ created_by: 'test' })) };
  const cfgBuf = Buffer.from(JSON.stringify(config));
  const configDigest = await s.content.putBuffer(cfgBuf);
  const manifest: Manifest = { schemaVersion: 2, mediaType: MEDIA_OCI_MANIFEST, config: { mediaType: MEDIA_OCI_CONFIG, digest: configDigest, size: cfgBuf.length }, layers };
  const manBuf = Buffer.from(JSON.stringify(manifest));
  const manifestDigest = await s.content.putBuffer(manBuf);
  s.metadata.put({ name, target: { mediaType: MEDIA_OCI_MANIFEST, digest: manifestDigest, size: manBuf.length }, manifestDigest, configDigest, platform: p });
  return { manifest, config, manifestDigest, configDigest, manifestSize: manBuf.length };
}

export function tarPath(dir: string, name: string): string {
  return join(dir, name);
}
