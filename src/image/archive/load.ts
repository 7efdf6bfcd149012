// `load` and `save`: image archives in and out, the format told by what the archive holds.
import { createReadStream, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { importOciLayout, saveOciArchive, saveOciLayoutDir, type LoadOptions } from '../layout/oci.ts';
import type { ImageRecord } from '../store/metadata.ts';
import type { ImageStore } from '../store/open.ts';
import { importDockerArchive, saveDockerArchive } from './docker.ts';
import { ArchiveError, dirFiles, tarFiles, type ArchiveFiles } from './files.ts';

export type ArchiveFormat = 'oci-dir' | 'oci-archive' | 'docker-archive';

export interface LoadResult { format: ArchiveFormat; images: ImageRecord[] }

async function loadFrom(files: ArchiveFiles, s: ImageStore, isDir: boolean, opts: LoadOptions): Promise<LoadResult> {
  // docker 25+ archives hold both manifest.json and an OCI layout; manifest.json has the tags.
  if (files.has('manifest.json')) return { format: 'docker-archive', images: await importDockerArchive(files, s, opts) };
  if (files.has('oci-layout') && files.has('index.json')) return { format: isDir ? 'oci-dir' : 'oci-archive', images: await importOciLayout(files, s, opts) };
  throw new ArchiveError(files.source, 'neither a docker-archive (manifest.json) nor an OCI image layout (oci-layout, index.json)');
}

/** Loads a docker-archive or OCI layout, from a directory, a tar file (optionally gzip/zstd) or a stream. */
export async function loadImages(s: ImageStore, source: string | AsyncIterable<Buffer | Uint8Array>, opts: LoadOptions = {}): Promise<LoadResult> {
  if (typeof source === 'string' && statSync(source).isDirectory()) {
    return loadFrom(dirFiles(source, s.content), s, true, opts);
  }
  const label = typeof source === 'string' ? source : '<stream>';
  const stream = typeof source === 'string' ? (createReadStream(source, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) : source;
  const files = await tarFiles(stream, label, s.content);
  try {
    return await loadFrom(files, s, false, opts);
  } finally {
    files.dispose();
  }
}

/** Writes the named images to `dest` in `format`. */
export async function saveImages(s: ImageStore, names: string[], dest: string, format: ArchiveFormat): Promise<void> {
  if (format === 'oci-dir') {
    if (existsSync(join(dest, 'index.json'))) throw new ArchiveError(dest, 'already holds an image layout');
    return saveOciLayoutDir(s, names, dest);
  }
  if (format === 'oci-archive') return saveOciArchive(s, names, dest);
  return saveDockerArchive(s, names, dest);
}
