// Unpacking an image's layers into committed snapshots named by chainID (each layer once, shared
// across images; a lock per chainID so that two processes do not unpack the same layer twice).
import type { FileContentStore } from '../store/content.ts';
import type { ImageConfig, Manifest } from '../types.ts';
import { unpackLayer } from '../unpack/unpack.ts';
import type { Snapshotter } from './snapshotter.ts';
import { chainIDs } from './chain.ts';
import { LayerCountMismatchError, LayerStacker } from './stack.ts';
import { extractKey, lockChain, removeStaleExtracts } from './stale.ts';
import { parallel } from '../registry/parallel.ts';

export { chainIDs };

export interface LayerToUnpack {
  chainID: string;
  /** chainID of the layer below, if any. */
  parent?: string;
  diffID: string;
  mediaType?: string;
  /** The blob digest, checked while unpacking when given. */
  digest?: string;
}

/**
 * Unpacks one layer from `source` into the committed snapshot `layer.chainID` unless it exists.
 * Returns false when it was already there (the source is then not read; the caller drains or
 * destroys it). The parent snapshot must exist.
 */
export async function unpackLayerToSnapshot(sn: Snapshotter, layer: LayerToUnpack, source: () => AsyncIterable<Buffer | Uint8Array>, opts: { allowDevices?: boolean } = {}): Promise<boolean> {
  if (sn.stat(layer.chainID)?.kind === 'committed') return false;
  const lock = await lockChain(sn, layer.chainID);
  try {
    if (sn.stat(layer.chainID)?.kind === 'committed') return false;
    removeStaleExtracts(sn, layer.chainID);
    const key = extractKey(layer.chainID);
    sn.prepare(key, layer.parent, { labels: { 'berth.unpack': layer.chainID } });
    try {
      await unpackLayer(source(), sn.fsPath(key), {
        mediaType: layer.mediaType,
        whiteouts: sn.driver === 'overlay' ? 'overlay' : 'apply',
        expectedDiffID: layer.diffID,
        expectedDigest: layer.digest,
        allowDevices: opts.allowDevices,
      });
      sn.commit(layer.chainID, key, { labels: { 'berth.diffID': layer.diffID } });
    } catch (e) {
      try { sn.remove(key); } catch { /* leave it for GC */ }
      throw e;
    }
    return true;
  } finally {
    lock.release();
  }
}

/** Unpacks every layer of an image from the content store. Returns the top chainID. The copy
 * snapshotter needs each layer's parent unpacked first: there they go one after the other. */
export async function unpackImage(store: FileContentStore, sn: Snapshotter, manifest: Manifest, config: ImageConfig, opts: { allowDevices?: boolean; syncLayers?: boolean } = {}): Promise<{ chainID: string; unpacked: number }> {
  // The usual case, an image unpacked before: its top snapshot is committed (a snapshot is
  // committed only over a committed parent), so no layer needs opening.
  const diffIDs = config.rootfs?.diff_ids ?? [];
  if (diffIDs.length && diffIDs.length === manifest.layers.length) {
    const top = chainIDs(diffIDs)[diffIDs.length - 1];
    if (sn.stat(top)?.kind === 'committed') return { chainID: top, unpacked: 0 };
  }
  if (sn.driver === 'overlay') {
    // Side by side (each in a worker thread), stacked in order; a few at a time.
    const stacker = new LayerStacker(sn, opts.allowDevices, { syncLayers: opts.syncLayers });
    stacker.onConfig(manifest, config);
    try {
      await parallel(manifest.layers, 3, (l) => stacker.onLayer(l, store.stream(l.digest), true));
    } catch (e) {
      await stacker.settle(e);
      throw e;
    }
    await stacker.settle();
    return { chainID: stacker.top, unpacked: stacker.unpacked };
  }
  if (diffIDs.length !== manifest.layers.length) throw new LayerCountMismatchError(diffIDs.length, manifest.layers.length);
  const chains = chainIDs(diffIDs);
  let unpacked = 0;
  for (let i = 0; i < chains.length; i++) {
    const l = manifest.layers[i];
    const did = await unpackLayerToSnapshot(sn, { chainID: chains[i], parent: i ? chains[i - 1] : undefined, diffID: diffIDs[i], mediaType: l.mediaType, digest: l.digest }, () => store.stream(l.digest), opts);
    if (did) unpacked++;
  }
  return { chainID: chains[chains.length - 1] ?? '', unpacked };
}
