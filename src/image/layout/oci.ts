// OCI image layout (https://github.com/opencontainers/image-spec/blob/main/image-layout.md):
// `oci-layout`, `index.json`, `blobs/sha256/<hex>`, as a directory or as a tar of the same tree.
// Export writes OCI media types only (docker schema2 manifests are rewritten; configs and layers
// are byte-identical, so only the manifest digest changes), one index entry per name.
import { createReadStream, createWriteStream, mkdirSync, writeFileSync, copyFileSync, existsSync, constants } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ArchiveFiles } from '../archive/files.ts';
import { ArchiveError } from '../archive/files.ts';
import type { FileContentStore } from '../store/content.ts';
import { sha256Digest } from '../store/content.ts';
import { ImageNotFoundError } from '../store/errors.ts';
import type { ImageRecord } from '../store/metadata.ts';
import type { ImageStore } from '../store/open.ts';
import { packTar, type PackItem } from '../tar/writer.ts';
import {
  ANNOTATION_CONTAINERD_IMAGE_NAME, ANNOTATION_REF_NAME, MEDIA_DOCKER_CONFIG, MEDIA_DOCKER_LAYER, MEDIA_DOCKER_LAYER_FOREIGN_GZIP,
  MEDIA_DOCKER_LAYER_GZIP, MEDIA_DOCKER_MANIFEST, MEDIA_OCI_CONFIG, MEDIA_OCI_INDEX, MEDIA_OCI_LAYER, MEDIA_OCI_LAYER_GZIP,
  MEDIA_OCI_LAYER_NONDIST_GZIP, MEDIA_OCI_MANIFEST, hostPlatform, isIndexMediaType, type Descriptor, type ImageConfig, type Index, type Manifest, type Platform,
} from '../types.ts';

const DOCKER_TO_OCI: Record<string, string> = {
  [MEDIA_DOCKER_MANIFEST]: MEDIA_OCI_MANIFEST,
  [MEDIA_DOCKER_CONFIG]: MEDIA_OCI_CONFIG,
  [MEDIA_DOCKER_LAYER_GZIP]: MEDIA_OCI_LAYER_GZIP,
  [MEDIA_DOCKER_LAYER]: MEDIA_OCI_LAYER,
  [MEDIA_DOCKER_LAYER_FOREIGN_GZIP]: MEDIA_OCI_LAYER_NONDIST_GZIP,
};

/** An image's blobs for export: the (possibly rewritten) manifest plus config and layers from the store. */
export interface ExportedImage {
  record: ImageRecord;
  manifest: Manifest;
  manifestDesc: Descriptor;
  manifestBytes: Buffer;
  config: ImageConfig;
}

export async function loadImageForExport(content: FileContentStore, rec: ImageRecord, toOci: boolean): Promise<ExportedImage> {
  const original = JSON.parse((await content.read(rec.manifestDigest)).toString('utf8')) as Manifest;
  let manifest = original;
  let bytes = await content.read(rec.manifestDigest);
  if (toOci && (original.mediaType === MEDIA_DOCKER_MANIFEST || original.config.mediaType === MEDIA_DOCKER_CONFIG)) {
    const conv = (d: Descriptor): Descriptor => ({ ...d, mediaType: DOCKER_TO_OCI[d.mediaType] ?? d.mediaType });
    manifest = { schemaVersion: 2, mediaType: MEDIA_OCI_MANIFEST, config: conv(original.config), layers: original.layers.map(conv) };
    if (original.annotations) manifest.annotations = original.annotations;
    bytes = Buffer.from(JSON.stringify(manifest));
  }
  const config = JSON.parse((await content.read(manifest.config.digest)).toString('utf8')) as ImageConfig;
  const platform: Platform = { architecture: config.architecture, os: config.os };
  if (config.variant) platform.variant = config.variant;
  const manifestDesc: Descriptor = { mediaType: manifest.mediaType ?? MEDIA_OCI_MANIFEST, digest: sha256Digest(bytes), size: bytes.length, platform };
  return { record: rec, manifest, manifestDesc, manifestBytes: bytes, config };
}

export function resolveRecords(s: ImageStore, names: string[]): ImageRecord[] {
  return names.map((n) => {
    const r = s.metadata.get(n) ?? s.metadata.findByDigest(n)[0];
    if (!r) throw new ImageNotFoundError(n);
    return r;
  });
}

function layoutIndex(images: ExportedImage[]): Index {
  return {
    schemaVersion: 2,
    mediaType: MEDIA_OCI_INDEX,
    manifests: images.map((im) => ({
      ...im.manifestDesc,
      annotations: { [ANNOTATION_REF_NAME]: im.record.name, [ANNOTATION_CONTAINERD_IMAGE_NAME]: im.record.name },
    })),
  };
}

/** Writes an OCI image layout directory holding the named images. */
export async function saveOciLayoutDir(s: ImageStore, names: string[], dest: string): Promise<void> {
  const images = await Promise.all(resolveRecords(s, names).map((r) => loadImageForExport(s.content, r, true)));
  const blobDir = join(dest, 'blobs', 'sha256');
  mkdirSync(blobDir, { recursive: true });
  for (const im of images) {
    writeFileSync(join(blobDir, im.manifestDesc.digest.slice(7)), im.manifestBytes);
    for (const d of [im.manifest.config, ...im.manifest.layers]) {
      const to = join(blobDir, d.digest.slice(7));
      if (!existsSync(to)) copyFileSync(s.content.path(d.digest), to, constants.COPYFILE_FICLONE);
    }
  }
  writeFileSync(join(dest, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(join(dest, 'index.json'), JSON.stringify(layoutIndex(images)));
}

/** The entries of an OCI layout tar (oci-archive), streamed from the store. */
export async function* ociLayoutEntries(s: ImageStore, names: string[]): AsyncGenerator<PackItem> {
  const images = await Promise.all(resolveRecords(s, names).map((r) => loadImageForExport(s.content, r, true)));
  const mtime = 0;
  yield { entry: { name: 'blobs/', type: 'dir', mode: 0o755, mtime } };
  yield { entry: { name: 'blobs/sha256/', type: 'dir', mode: 0o755, mtime } };
  const seen = new Set<string>();
  for (const im of images) {
    if (!seen.has(im.manifestDesc.digest)) {
      seen.add(im.manifestDesc.digest);
      yield { entry: { name: `blobs/sha256/${im.manifestDesc.digest.slice(7)}`, type: 'file', mode: 0o644, mtime }, body: im.manifestBytes };
    }
    for (const d of [im.manifest.config, ...im.manifest.layers]) {
      if (seen.has(d.digest)) continue;
      seen.add(d.digest);
      const info = await s.content.info(d.digest);
      if (!info) throw new ArchiveError(im.record.name, `blob ${d.digest} is not in the content store`);
      yield { entry: { name: `blobs/sha256/${d.digest.slice(7)}`, type: 'file', mode: 0o644, size: info.size, mtime }, body: createReadStream(s.content.path(d.digest), { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer> };
    }
  }
  yield { entry: { name: 'oci-layout', type: 'file', mode: 0o644, mtime }, body: Buffer.from(JSON.stringify({ imageLayoutVersion: '1.0.0' })) };
  yield { entry: { name: 'index.json', type: 'file', mode: 0o644, mtime }, body: Buffer.from(JSON.stringify(layoutIndex(images))) };
}

export async function saveOciArchive(s: ImageStore, names: string[], dest: string): Promise<void> {
  await pipeline(Readable.from(packTar(ociLayoutEntries(s, names))), createWriteStream(dest));
}

function pickPlatform(manifests: Descriptor[], want: Platform): Descriptor | undefined {
  const ok = manifests.filter((m) => m.platform && m.platform.os === want.os && m.platform.architecture === want.architecture);
  return ok.find((m) => !want.variant || m.platform?.variant === want.variant) ?? ok[0];
}

/** Stores a manifest (and its config and layers) from the archive; returns the record fields. */
export async function importManifest(files: ArchiveFiles, s: ImageStore, desc: Descriptor, path = (d: string) => `blobs/sha256/${d.slice(7)}`): Promise<{ manifestDigest: string; configDigest: string; platform: Platform }> {
  await files.store(path(desc.digest), desc.digest);
  const manifest = JSON.parse(files.read(path(desc.digest)).toString('utf8')) as Manifest;
  if (!manifest.config || !Array.isArray(manifest.layers)) throw new ArchiveError(`${files.source}:${path(desc.digest)}`, 'not an image manifest');
  await files.store(path(manifest.config.digest), manifest.config.digest);
  for (const l of manifest.layers) await files.store(path(l.digest), l.digest);
  const config = JSON.parse(files.read(path(manifest.config.digest)).toString('utf8')) as ImageConfig;
  const platform: Platform = { architecture: config.architecture, os: config.os };
  if (config.variant) platform.variant = config.variant;
  return { manifestDigest: desc.digest, configDigest: manifest.config.digest, platform };
}

export interface LoadOptions {
  /** Name for images that the archive leaves unnamed. */
  name?: string;
  platform?: Platform;
}

/** Imports every image named in an OCI layout's index.json. */
export async function importOciLayout(files: ArchiveFiles, s: ImageStore, opts: LoadOptions = {}): Promise<ImageRecord[]> {
  const layout = JSON.parse(files.read('oci-layout').toString('utf8')) as { imageLayoutVersion?: string };
  if (layout.imageLayoutVersion !== '1.0.0') throw new ArchiveError(`${files.source}:oci-layout`, `unsupported imageLayoutVersion ${JSON.stringify(layout.imageLayoutVersion)}`);
  const index = JSON.parse(files.read('index.json').toString('utf8')) as Index;
  const out: ImageRecord[] = [];
  for (const desc of index.manifests ?? []) {
    let manifestDesc = desc;
    if (isIndexMediaType(desc.mediaType)) {
      await files.store(`blobs/sha256/${desc.digest.slice(7)}`, desc.digest);
      const inner = JSON.parse(files.read(`blobs/sha256/${desc.digest.slice(7)}`).toString('utf8')) as Index;
      const present = inner.manifests.filter((m) => files.has(`blobs/sha256/${m.digest.slice(7)}`));
      const chosen = pickPlatform(present, opts.platform ?? hostPlatform()) ?? (present.length === 1 ? present[0] : undefined);
      if (!chosen) throw new ArchiveError(`${files.source}:index.json`, `no manifest for ${JSON.stringify(opts.platform ?? hostPlatform())} in index ${desc.digest}`);
      manifestDesc = chosen;
    }
    const got = await importManifest(files, s, manifestDesc);
    const name = desc.annotations?.[ANNOTATION_CONTAINERD_IMAGE_NAME] ?? desc.annotations?.[ANNOTATION_REF_NAME] ?? opts.name ?? got.configDigest;
    out.push(s.metadata.put({ name, target: { mediaType: desc.mediaType, digest: desc.digest, size: desc.size }, ...got }));
  }
  return out;
}
