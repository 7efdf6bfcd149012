// Snapshots (containerd's model) and unpacking images into them.
export { Snapshotter, defaultDriver, mountAll, mountAllAsync, unmount, unmountAsync } from './snapshotter.ts';
export type { SnapshotterOptions } from './snapshotter.ts';
export { chainIDs } from './chain.ts';
export { unpackLayerToSnapshot, unpackImage } from './layers.ts';
export type { LayerToUnpack } from './layers.ts';
export { LayerStacker, LayerCountMismatchError } from './stack.ts';
export * from './types.ts';
