// Writing names and deleting images. Moving a tag away from an image must not lose the image:
// when it was the image's last name, the image stays, untagged, under its ID (docker's
// dangling `<none>:<none>`). Deleting an image frees the blobs and layer snapshots that no
// other image reaches.
import { chainIDs } from '../snapshots/chain.ts';
import { reachable } from '../store/gc.ts';
import type { ImageRecord } from '../store/metadata.ts';
import type { ImageStore } from '../store/open.ts';
import { isIndexMediaType, type ImageConfig, type Index, type Manifest } from '../types.ts';
import { nameParts } from './names.ts';

export type RecordTarget = Omit<ImageRecord, 'name' | 'created' | 'updated'>;

/** Keeps an image that just lost a name reachable under its ID when no name is left. */
export function keepIfNameless(store: ImageStore, old: ImageRecord): void {
  const rest = store.metadata.list().filter((r) => r.configDigest === old.configDigest);
  if (rest.length > 0) return;
  const { name: _name, created: _c, updated: _u, ...target } = old;
  store.metadata.put({ ...target, name: old.configDigest });
}

/** Points `name` at `target`; the image it pointed at before is kept (untagged) if orphaned. */
export function setName(store: ImageStore, name: string, target: RecordTarget): ImageRecord {
  const old = store.metadata.get(name);
  const rec = store.metadata.put({ ...target, name });
  if (old && old.configDigest !== target.configDigest) keepIfNameless(store, old);
  // an image that gains a real name no longer needs its ID-only record
  if (nameParts(name).kind !== 'id' && name !== target.configDigest) store.metadata.delete(target.configDigest);
  return rec;
}

/** Every blob an image record names (index, manifest, config, layers) and its layer chainIDs. */
async function imageParts(store: ImageStore, rec: ImageRecord): Promise<{ blobs: string[]; chains: string[] }> {
  const blobs = new Set<string>([rec.target.digest, rec.manifestDigest, rec.configDigest]);
  let chains: string[] = [];
  try {
    if (isIndexMediaType(rec.target.mediaType) && await store.content.has(rec.target.digest)) {
      const idx = await store.content.readJson<Index>(rec.target.digest);
      for (const m of idx.manifests ?? []) blobs.add(m.digest);
    }
    const man = await store.content.readJson<Manifest>(rec.manifestDigest);
    for (const l of man.layers) blobs.add(l.digest);
    const cfg = await store.content.readJson<ImageConfig>(rec.configDigest);
    chains = chainIDs(cfg.rootfs?.diff_ids ?? []);
  } catch { /* a blob is missing already: free what is there */ }
  return { blobs: [...blobs], chains };
}

export interface Reclaimed { blobs: number; bytes: number; snapshots: number }

/**
 * Deletes the records of an image, then the blobs and committed layer snapshots of it that no
 * remaining image reaches. Snapshots with children (a container's, another image's) stay.
 */
export async function deleteImage(store: ImageStore, records: readonly ImageRecord[]): Promise<Reclaimed> {
  const parts = await Promise.all(records.map((r) => imageParts(store, r)));
  for (const r of records) store.metadata.delete(r.name);
  const keep = await reachable(store.content, store.metadata);
  const out: Reclaimed = { blobs: 0, bytes: 0, snapshots: 0 };
  const blobs = new Set(parts.flatMap((p) => p.blobs));
  for (const d of blobs) {
    if (keep.blobs.has(d)) continue;
    const info = await store.content.info(d);
    if (!info) continue;
    await store.content.delete(d);
    out.blobs++;
    out.bytes += info.size;
  }
  const chains = [...new Set(parts.flatMap((p) => p.chains))];
  // top layers first, so that each parent has lost its child before its turn
  let todo = chains.filter((c) => !keep.chains.has(c)).reverse();
  for (let progress = true; progress && todo.length; ) {
    progress = false;
    const left: string[] = [];
    for (const c of todo) {
      const s = store.snapshotter.stat(c);
      if (!s || s.kind !== 'committed') continue;
      try { store.snapshotter.remove(c); out.snapshots++; progress = true; } catch { left.push(c); /* still a parent */ }
    }
    todo = left;
  }
  return out;
}
