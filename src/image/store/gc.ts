// Garbage collection: keep what an image name reaches (name → index/manifest → config and
// layers), delete every other blob, and remove committed layer snapshots that no image's
// chain and no container snapshot uses. Blobs younger than the grace period are kept: a pull
// stores blobs before it names the image.
import { stat } from 'node:fs/promises';
import type { Snapshotter } from '../snapshots/snapshotter.ts';
import { chainIDs } from '../snapshots/chain.ts';
import { isIndexMediaType, type ImageConfig, type Index, type Manifest } from '../types.ts';
import type { FileContentStore } from './content.ts';
import type { ImageMetadata } from './metadata.ts';
import { processAlive } from '../../util/proc.ts';

export interface GcOptions {
  store: FileContentStore;
  metadata: ImageMetadata;
  snapshotter?: Snapshotter;
  /** Keep unreferenced blobs modified less than this long ago (default 10 minutes). */
  graceMs?: number;
  dryRun?: boolean;
}

export interface GcResult {
  blobsRemoved: string[];
  bytesFreed: number;
  snapshotsRemoved: string[];
}

/** Every digest reachable from the image records, and the chainIDs of their layers. */
export async function reachable(store: FileContentStore, metadata: ImageMetadata): Promise<{ blobs: Set<string>; chains: Set<string> }> {
  const blobs = new Set<string>();
  const chains = new Set<string>();
  const visit = async (digest: string, hint?: string): Promise<void> => {
    if (blobs.has(digest)) return;
    blobs.add(digest);
    if (!(await store.has(digest))) return;
    let doc: { mediaType?: string; manifests?: unknown; config?: unknown; layers?: unknown };
    try { doc = JSON.parse((await store.read(digest)).toString('utf8')); } catch { return; }
    if (isIndexMediaType(doc.mediaType ?? hint) || Array.isArray(doc.manifests)) {
      for (const m of (doc as Index).manifests ?? []) await visit(m.digest, m.mediaType);
      return;
    }
    if (doc.config && Array.isArray(doc.layers)) {
      const man = doc as Manifest;
      blobs.add(man.config.digest);
      for (const l of man.layers) blobs.add(l.digest);
      if (man.subject) blobs.add(man.subject.digest);
      try {
        const cfg = JSON.parse((await store.read(man.config.digest)).toString('utf8')) as ImageConfig;
        for (const c of chainIDs(cfg.rootfs?.diff_ids ?? [])) chains.add(c);
      } catch { /* config missing: nothing more to keep */ }
    }
  };
  for (const rec of metadata.list()) {
    await visit(rec.target.digest, rec.target.mediaType);
    await visit(rec.manifestDigest);
    blobs.add(rec.configDigest);
  }
  return { blobs, chains };
}

export async function garbageCollect(opts: GcOptions): Promise<GcResult> {
  const { store, metadata, snapshotter } = opts;
  const grace = opts.graceMs ?? 10 * 60 * 1000;
  const { blobs, chains } = await reachable(store, metadata);
  const result: GcResult = { blobsRemoved: [], bytesFreed: 0, snapshotsRemoved: [] };
  const now = Date.now();
  for await (const b of store.list()) {
    if (blobs.has(b.digest)) continue;
    try {
      const st = await stat(store.path(b.digest));
      if (now - st.mtimeMs < grace) continue;
    } catch { continue; }
    if (!opts.dryRun) await store.delete(b.digest);
    result.blobsRemoved.push(b.digest);
    result.bytesFreed += b.size;
  }
  if (!opts.dryRun) await store.cleanIngest();
  if (snapshotter) {
    // Keep image chains, every active/view snapshot (containers, unpacks in progress) and all their ancestors.
    const all = snapshotter.list();
    const byKey = new Map(all.map((s) => [s.key, s]));
    const keep = new Set<string>();
    const keepChain = (key: string | undefined) => {
      for (let k = key; k && !keep.has(k); k = byKey.get(k)?.parent) keep.add(k);
    };
    for (const s of all) {
      // An unpack whose process died left its active snapshot behind: that one goes.
      const m = /^extract-(\d+)-/.exec(s.key);
      if (m && s.kind === 'active' && !processAlive(Number(m[1]))) continue;
      if (s.kind !== 'committed' || chains.has(s.key)) keepChain(s.key);
    }
    // Remove leaves first so that parents lose their children before their turn.
    const doomed = all.filter((s) => !keep.has(s.key)).sort((a, b) => b.id - a.id);
    for (const s of doomed) {
      if (!opts.dryRun) snapshotter.remove(s.key);
      result.snapshotsRemoved.push(s.key);
    }
  }
  return result;
}
