// pullAndUnpack: pull an image and unpack its layers into committed snapshots while they
// download. With the overlay snapshotter a layer's directory does not depend on the layers
// below, so every layer is unpacked as its bytes arrive (pull's onLayer tee), each in its own
// worker thread (unpackLayerThreaded), into a snapshot
// prepared without a parent, and the snapshots are stacked (committed under their chainIDs, each
// on its parent) in order as they finish. The copy snapshotter needs the parent's files first:
// there the layers are unpacked one after the other once downloaded.
import { pull, type PullOptions, type PullResult } from './pull.ts';
import type { Reference } from './reference.ts';
import { unpackImage } from './snapshots/layers.ts';
import { LayerStacker } from './snapshots/stack.ts';
import type { ImageStore } from './store/open.ts';

export interface PullAndUnpackOptions extends Omit<PullOptions, 'store' | 'onLayer' | 'onConfig'> {
  store: ImageStore;
  allowDevices?: boolean;
  /** syncfs each layer before committing it (default: BERTH_SYNC_LAYERS=1; see LayerStacker). */
  syncLayers?: boolean;
}

export interface PullAndUnpackResult extends PullResult {
  /** chainID of the top layer: the snapshot to prepare a container on. */
  chainID: string;
  /** Layers unpacked by this call (the others were already there). */
  unpacked: number;
}

/** Pulls `ref` into the store's content store and unpacks it into its snapshotter. */
export async function pullAndUnpack(ref: string | Reference, opts: PullAndUnpackOptions): Promise<PullAndUnpackResult> {
  const { store, allowDevices, syncLayers, ...pullOpts } = opts;
  const sn = store.snapshotter;
  if (sn.driver !== 'overlay') {
    const res = await pull(ref, { ...pullOpts, store: store.content });
    const { chainID, unpacked } = await unpackImage(store.content, sn, res.manifest, res.config, { allowDevices });
    return { ...res, chainID, unpacked };
  }
  const stacker = new LayerStacker(sn, allowDevices, { syncLayers });
  let res: PullResult;
  try {
    res = await pull(ref, {
      ...pullOpts, store: store.content,
      onConfig: (m, c) => stacker.onConfig(m, c),
      onLayer: (d, s) => stacker.onLayer(d, s),
    });
  } catch (e) {
    await stacker.settle(e);
    throw e;
  }
  await stacker.settle();
  return { ...res, chainID: stacker.top, unpacked: stacker.unpacked };
}
