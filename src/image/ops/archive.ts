// `save` and `load`: image archives through archive/ (docker-archive by default; OCI layout as
// a tar or a directory). Loaded names are normalised like pulled ones, names that moved keep
// their old image as untagged, and an OCI layout's bare `ref.name` ("latest", "v1") is a tag
// without a repository, so such an image is kept by ID.
import { existsSync } from 'node:fs';
import { loadImages, saveImages, type ArchiveFormat } from '../archive/load.ts';
import type { ImageRecord } from '../store/metadata.ts';
import type { ImageStore } from '../store/open.ts';
import { InvalidImageArgumentError } from './errors.ts';
import { familiarRecordName, nameParts, normalizeName } from './names.ts';
import { keepIfNameless, setName } from './records.ts';
import { findImage } from './resolve.ts';

export const ARCHIVE_FORMATS: readonly ArchiveFormat[] = ['docker-archive', 'oci-archive', 'oci-dir'];

export function parseArchiveFormat(s: string | undefined): ArchiveFormat {
  const f = s ?? 'docker-archive';
  if (!(ARCHIVE_FORMATS as readonly string[]).includes(f)) throw new InvalidImageArgumentError('format', `unknown archive format "${f}" (use ${ARCHIVE_FORMATS.join(', ')})`);
  return f as ArchiveFormat;
}

/** Writes the named images (names or IDs) to `dest`. */
export async function saveImage(store: ImageStore, refs: readonly string[], dest: string, format: ArchiveFormat = 'docker-archive'): Promise<void> {
  if (refs.length === 0) throw new InvalidImageArgumentError('names', 'save needs at least one image');
  const names = refs.map((ref) => {
    const { image, record } = findImage(store, ref);
    return (record ?? image.primary).name;
  });
  await saveImages(store, [...new Set(names)], dest, format);
}

export interface LoadedImage { format: ArchiveFormat; names: string[]; ids: string[] }

/** Loads a docker-archive or OCI layout (tar, compressed tar, or directory). */
export async function loadImage(store: ImageStore, source: string): Promise<LoadedImage> {
  if (!existsSync(source)) throw new InvalidImageArgumentError('input', `open ${source}: no such file or directory`);
  const before = new Map(store.metadata.list().map((r) => [r.name, r]));
  const res = await loadImages(store, source);
  const names: string[] = [];
  const ids: string[] = [];
  for (const rec of res.images) {
    const target = { target: rec.target, manifestDigest: rec.manifestDigest, configDigest: rec.configDigest, platform: rec.platform };
    const bareTag = res.format !== 'docker-archive' && /^[\w][\w.-]{0,127}$/.test(rec.name) && !rec.name.includes('/');
    let name: string;
    try { name = bareTag ? rec.configDigest : normalizeName(rec.name); } catch { name = rec.configDigest; }
    if (name !== rec.name) {
      store.metadata.delete(rec.name);
      const prior = before.get(rec.name);
      if (prior) store.metadata.put(prior); // a raw name we replaced stays as it was
    }
    const prior = before.get(name);
    setName(store, name, target);
    if (prior && prior.configDigest !== rec.configDigest) keepIfNameless(store, prior);
    if (nameParts(name).kind === 'id') { if (!ids.includes(rec.configDigest)) ids.push(rec.configDigest); }
    else names.push(name);
  }
  // an image loaded both named and by ID keeps the name only
  for (const id of ids) if (store.metadata.list().some((r) => r.configDigest === id && r.name !== id)) store.metadata.delete(id);
  return { format: res.format, names, ids: ids.filter((id) => !names.some((n) => store.metadata.get(n)?.configDigest === id)) };
}

/** docker's load output lines. */
export function loadMessages(l: LoadedImage): string[] {
  return [...l.names.map((n) => `Loaded image: ${familiarRecordName(n)}`), ...l.ids.map((id) => `Loaded image ID: ${id}`)];
}

export type { ArchiveFormat, ImageRecord };
