// From what a user typed to a stored image, in docker's order: a full name (tag or
// repo@digest), a full image ID, then a unique ID prefix.
import { parseReference, repositoryName } from '../reference.ts';
import type { ImageStore } from '../store/open.ts';
import type { ImageRecord } from '../store/metadata.ts';
import { AmbiguousImageError, NoSuchImageError } from './errors.ts';
import { groupRecords, normalizeName, type StoredImage } from './names.ts';

export interface FoundImage {
  image: StoredImage;
  /** The record the reference named, or null when it was an image ID. */
  record: ImageRecord | null;
}

/** All stored images (one per config digest). */
export function storedImages(store: ImageStore): StoredImage[] {
  return groupRecords(store.metadata.list());
}

export function imageById(store: ImageStore, id: string): StoredImage | null {
  return groupRecords(store.metadata.list().filter((r) => r.configDigest === id))[0] ?? null;
}

export function findImage(store: ImageStore, ref: string): FoundImage {
  const all = store.metadata.list();
  let name: string | null = null;
  try { name = normalizeName(ref); } catch { /* not a reference: maybe an ID */ }
  if (name) {
    const rec = store.metadata.get(name);
    // an ID-only record (untagged image) is found as the ID it is, not as a name
    if (rec) return { image: groupRecords(all.filter((r) => r.configDigest === rec.configDigest))[0], record: rec.name === rec.configDigest ? null : rec };
    // repo@digest also finds an image stored under a tag whose target is that digest
    const pinned = parseReference(ref);
    if (pinned.digest) {
      const repo = repositoryName(pinned);
      const hit = all.find((r) => r.name.startsWith(repo + ':') && (r.target.digest === pinned.digest || r.manifestDigest === pinned.digest));
      if (hit) return { image: groupRecords(all.filter((r) => r.configDigest === hit.configDigest))[0], record: null };
    }
  }
  const hex = ref.replace(/^sha256:/, '');
  if (/^[a-f0-9]{1,64}$/.test(hex)) {
    const ids = [...new Set(all.map((r) => r.configDigest).filter((d) => d.startsWith(`sha256:${hex}`)))];
    if (ids.length > 1) throw new AmbiguousImageError(ref, ids);
    if (ids.length === 1) return { image: groupRecords(all.filter((r) => r.configDigest === ids[0]))[0], record: null };
  }
  throw new NoSuchImageError(ref);
}
