// Everything the image layer keeps under one root directory (default /var/lib/berth):
//   blobs/sha256/<hex>   content store        images.db         names → manifests (SQLite)
//   ingest/, tmp/        writes in progress   snapshots/<driver>/ unpacked layers + metadata.db
import { join } from 'node:path';
import { Snapshotter, type SnapshotterOptions } from '../snapshots/snapshotter.ts';
import { FileContentStore } from './content.ts';
import { ImageMetadata } from './metadata.ts';

export const DEFAULT_ROOT = '/var/lib/berth';

export interface ImageStore {
  root: string;
  content: FileContentStore;
  metadata: ImageMetadata;
  snapshotter: Snapshotter;
  close(): void;
}

export function openImageStore(root: string = process.env.BERTH_ROOT ?? DEFAULT_ROOT, opts: SnapshotterOptions = {}): ImageStore {
  const content = new FileContentStore(root);
  const metadata = new ImageMetadata(join(root, 'images.db'));
  const snapshotter = new Snapshotter(root, opts);
  return {
    root, content, metadata, snapshotter,
    close() { metadata.close(); snapshotter.close(); },
  };
}
