// docker-archive, the `docker save` format: manifest.json ([{Config, RepoTags, Layers}]), the
// config as <hex>.json and each layer as an uncompressed tar <diffID hex>/layer.tar (docker 25+
// puts them under blobs/sha256/ instead; both are read).
import { createReadStream, createWriteStream, openSync, closeSync, readSync, rmSync, statSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { loadImageForExport, resolveRecords } from '../layout/oci.ts';
import type { LoadOptions } from '../layout/oci.ts';
import type { ImageRecord } from '../store/metadata.ts';
import type { ImageStore } from '../store/open.ts';
import { packTar, type PackItem } from '../tar/writer.ts';
import { MEDIA_OCI_CONFIG, MEDIA_OCI_LAYER, MEDIA_OCI_LAYER_GZIP, MEDIA_OCI_LAYER_ZSTD, MEDIA_OCI_MANIFEST, type DockerArchiveEntry, type ImageConfig, type Manifest, type Platform } from '../types.ts';
import { decompressStream, sniffCompression } from '../unpack/decompress.ts';
import { ArchiveError, type ArchiveFiles } from './files.ts';

/** RepoTags must be plain name:tag references. */
function repoTag(name: string): string | null {
  return name.includes('@') || !/:[\w][\w.-]{0,127}$/.test(name) ? null : name;
}

/** The entries of a docker-archive holding the named images (layers decompressed on the fly). */
export async function* dockerArchiveEntries(s: ImageStore, names: string[]): AsyncGenerator<PackItem> {
  const images = await Promise.all(resolveRecords(s, names).map((r) => loadImageForExport(s.content, r, false)));
  const manifest: DockerArchiveEntry[] = [];
  const seen = new Set<string>();
  const byConfig = new Map<string, DockerArchiveEntry>();
  for (const im of images) {
    const cfgName = `${im.manifest.config.digest.slice(7)}.json`;
    const existing = byConfig.get(cfgName);
    const tag = repoTag(im.record.name);
    if (existing) { if (tag && !existing.RepoTags!.includes(tag)) existing.RepoTags!.push(tag); continue; }
    if (!seen.has(cfgName)) {
      seen.add(cfgName);
      yield { entry: { name: cfgName, type: 'file', mode: 0o644 }, body: await s.content.read(im.manifest.config.digest) };
    }
    const layers: string[] = [];
    const diffIDs = im.config.rootfs.diff_ids;
    for (let i = 0; i < im.manifest.layers.length; i++) {
      const desc = im.manifest.layers[i];
      const dir = (diffIDs[i] ?? desc.digest).slice(7);
      const path = `${dir}/layer.tar`;
      layers.push(path);
      if (seen.has(path)) continue;
      seen.add(path);
      yield { entry: { name: `${dir}/`, type: 'dir', mode: 0o755 } };
      const blob = s.content.path(desc.digest);
      const head = Buffer.alloc(4);
      const fd = openSync(blob, 'r');
      try { readSync(fd, head, 0, 4, 0); } finally { closeSync(fd); }
      if (sniffCompression(head) === 'none') {
        yield { entry: { name: path, type: 'file', mode: 0o644, size: statSync(blob).size }, body: createReadStream(blob, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer> };
        continue;
      }
      // The tar header needs the size first: decompress into the store's tmp dir.
      const tmp = join(s.content.tmpDir, `put-${process.pid}-${randomBytes(6).toString('hex')}`);
      try {
        const dec = await decompressStream(createReadStream(blob, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>);
        const out = openSync(tmp, 'wx', 0o600);
        try {
          for await (const c of dec.chunks) { let off = 0; while (off < c.length) off += writeSync(out, c, off, c.length - off); }
          await dec.done;
        } finally { closeSync(out); }
        yield { entry: { name: path, type: 'file', mode: 0o644, size: statSync(tmp).size }, body: createReadStream(tmp, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer> };
      } finally {
        rmSync(tmp, { force: true });
      }
    }
    const entry: DockerArchiveEntry = { Config: cfgName, RepoTags: tag ? [tag] : [], Layers: layers };
    byConfig.set(cfgName, entry);
    manifest.push(entry);
  }
  yield { entry: { name: 'manifest.json', type: 'file', mode: 0o644 }, body: Buffer.from(JSON.stringify(manifest.map((m) => ({ ...m, RepoTags: m.RepoTags?.length ? m.RepoTags : null })))) };
}

export async function saveDockerArchive(s: ImageStore, names: string[], dest: string): Promise<void> {
  await pipeline(Readable.from(packTar(dockerArchiveEntries(s, names))), createWriteStream(dest));
}

const LAYER_TYPES = { none: MEDIA_OCI_LAYER, gzip: MEDIA_OCI_LAYER_GZIP, zstd: MEDIA_OCI_LAYER_ZSTD } as const;

/** Imports a docker-archive's images; layers keep their bytes (an uncompressed layer's digest is its diffID). */
export async function importDockerArchive(files: ArchiveFiles, s: ImageStore, opts: LoadOptions = {}): Promise<ImageRecord[]> {
  let entries: DockerArchiveEntry[];
  try { entries = JSON.parse(files.read('manifest.json').toString('utf8')) as DockerArchiveEntry[]; } catch (e) {
    throw new ArchiveError(`${files.source}:manifest.json`, `not a docker-archive manifest: ${(e as Error).message}`);
  }
  if (!Array.isArray(entries)) throw new ArchiveError(`${files.source}:manifest.json`, 'expected a JSON array');
  const out: ImageRecord[] = [];
  for (const e of entries) {
    const cfg = await files.store(e.Config);
    const config = JSON.parse(files.read(e.Config).toString('utf8')) as ImageConfig;
    const diffIDs = config.rootfs?.diff_ids ?? [];
    if (diffIDs.length !== e.Layers.length) throw new ArchiveError(`${files.source}:${e.Config}`, `config lists ${diffIDs.length} diff_ids, manifest.json ${e.Layers.length} layers`);
    const layers = [];
    for (let i = 0; i < e.Layers.length; i++) {
      const l = await files.store(e.Layers[i]);
      const comp = sniffCompression(files.head(e.Layers[i], 4));
      if (comp === 'none' && l.digest !== diffIDs[i]) throw new ArchiveError(`${files.source}:${e.Layers[i]}`, `layer is ${l.digest} but the config's diff_id is ${diffIDs[i]}`);
      layers.push({ mediaType: LAYER_TYPES[comp as 'none' | 'gzip' | 'zstd'], digest: l.digest, size: l.size });
    }
    const manifest: Manifest = { schemaVersion: 2, mediaType: MEDIA_OCI_MANIFEST, config: { mediaType: MEDIA_OCI_CONFIG, digest: cfg.digest, size: cfg.size }, layers };
    const bytes = Buffer.from(JSON.stringify(manifest));
    const manifestDigest = await s.content.putBuffer(bytes);
    const platform: Platform = { architecture: config.architecture, os: config.os };
    if (config.variant) platform.variant = config.variant;
    const names = e.RepoTags?.length ? e.RepoTags : [opts.name ?? cfg.digest];
    for (const name of names) {
      out.push(s.metadata.put({ name, target: { mediaType: MEDIA_OCI_MANIFEST, digest: manifestDigest, size: bytes.length }, manifestDigest, configDigest: cfg.digest, platform }));
    }
  }
  return out;
}
