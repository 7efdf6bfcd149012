// The container's root filesystem: a writable snapshot on top of the image's layers, mounted at
// <container dir>/rootfs from create until rm (and re-mounted on start if /run was lost).
import { mkdirSync } from 'node:fs';
import { isMountPoint } from '../util/proc.ts';
import { openImageStore, type ImageStore } from '../image/store/index.ts';
// From the snapshotter itself: the snapshots index also loads the layer unpacker.
import { mountAllAsync, unmountAsync } from '../image/snapshots/snapshotter.ts';
import { SnapshotNotFoundError } from '../image/snapshots/types.ts';

export const snapshotKey = (id: string) => `berth-container-${id}`;

export function isMounted(path: string): boolean {
  return isMountPoint(path);
}

/** The image store at `root`, or the one given (an engine keeps one open): `fn` runs with it. */
export function withImageStore<T>(root: string | ImageStore, fn: (store: ImageStore) => T): T {
  if (typeof root !== 'string') return fn(root);
  const store = openImageStore(root);
  try {
    return fn(store);
  } finally {
    store.close();
  }
}

/** Creates (if needed) the container's snapshot and mounts it at `target`. `volatile`: an
 * overlay that never syncs its upper layer (overlayfs's `volatile`), for a container removed when
 * it exits (--rm): its unmount then writes nothing back to the disk it is about to delete from. */
export async function mountRootfs(root: string | ImageStore, id: string, chainId: string, target: string, opts: { volatile?: boolean } = {}): Promise<void> {
  mkdirSync(target, { recursive: true });
  if (isMounted(target)) return;
  let mounts = withImageStore(root, (store) => {
    const key = snapshotKey(id);
    return store.snapshotter.stat(key) ? store.snapshotter.mounts(key) : store.snapshotter.prepare(key, chainId || undefined, { labels: { 'berth.container': id } });
  });
  if (opts.volatile) {
    mounts = mounts.map((m) => (m.type === 'overlay' && m.options.some((o) => o.startsWith('upperdir=')) ? { ...m, options: [...m.options, 'volatile'] } : m));
  }
  await mountAllAsync(mounts, target);
}

export async function unmountRootfs(target: string): Promise<void> {
  for (let i = 0; i < 5 && isMounted(target); i++) await unmountAsync(target);
}

export function removeSnapshot(root: string | ImageStore, id: string, discard?: (dir: string) => void): void {
  withImageStore(root, (store) => {
    try {
      store.snapshotter.remove(snapshotKey(id), discard ? { discard } : {});
    } catch (e) {
      if (!(e instanceof SnapshotNotFoundError)) throw e;
    }
  });
}
