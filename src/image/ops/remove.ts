// `rmi`: remove a name, and the image once it has no tag left. Removing by ID removes every
// name. Images used by containers are refused unless forced (a running container's image
// cannot be removed even then); the engine answers "who uses this image?" through `usedBy`.
import type { ImageStore } from '../store/open.ts';
import { ImageConflictError } from './errors.ts';
import { shortId } from '../types.ts';
import { familiarRecordName, nameParts, type StoredImage } from './names.ts';
import { deleteImage, keepIfNameless, type Reclaimed } from './records.ts';
import { findImage } from './resolve.ts';

/** A container that uses an image. */
export interface ContainerUse { id: string; running: boolean }

/** Asks the engine which containers use image `imageId` (a config digest). */
export type ImageUsage = (imageId: string) => ContainerUse[] | Promise<ContainerUse[]>;

export interface RemoveOptions {
  force?: boolean;
  /** Default: no container uses any image (no engine to ask). */
  usedBy?: ImageUsage;
}

export type RemoveEvent = { untagged: string } | { deleted: string };

export interface RemoveResult { events: RemoveEvent[]; reclaimed: Reclaimed }

const none: Reclaimed = { blobs: 0, bytes: 0, snapshots: 0 };

function usedMessage(c: ContainerUse): string {
  return `image is being used by ${c.running ? 'running' : 'stopped'} container ${c.id.slice(0, 12)}`;
}

async function removeAll(store: ImageStore, image: StoredImage): Promise<RemoveResult> {
  const events: RemoveEvent[] = [
    ...image.tags.map((n) => ({ untagged: familiarRecordName(n) })),
    ...image.digests.map((n) => ({ untagged: familiarRecordName(n) })),
    { deleted: image.id },
  ];
  const reclaimed = await deleteImage(store, image.records);
  return { events, reclaimed };
}

export async function removeImage(store: ImageStore, ref: string, opts: RemoveOptions = {}): Promise<RemoveResult> {
  const { image, record } = findImage(store, ref);
  const users = opts.usedBy ? await opts.usedBy(image.id) : [];
  const running = users.find((u) => u.running);
  if (record) {
    const tagsLeft = image.tags.filter((t) => t !== record.name);
    if (tagsLeft.length > 0 || (users.length > 0 && opts.force && !running)) {
      store.metadata.delete(record.name);
      keepIfNameless(store, record);
      return { events: [{ untagged: familiarRecordName(record.name) }], reclaimed: none };
    }
    if (users.length > 0) {
      const c = running ?? users[0];
      throw new ImageConflictError(ref, `remove repository reference "${ref}" (must force) - container ${c.id.slice(0, 12)} is using its referenced image ${shortId(image.id)}`);
    }
    // the last tag: the image goes, with its repository digests
    return removeAll(store, image);
  }
  if (running) throw new ImageConflictError(ref, `delete ${shortId(image.id)} (cannot be forced) - ${usedMessage(running)}`);
  if (users.length > 0 && !opts.force) throw new ImageConflictError(ref, `delete ${shortId(image.id)} (must be forced) - ${usedMessage(users[0])}`);
  const repos = new Set(image.tags.map((t) => nameParts(t).repository));
  if (repos.size > 1 && !opts.force) {
    throw new ImageConflictError(ref, `delete ${shortId(image.id)} (must be forced) - image is referenced in multiple repositories`);
  }
  return removeAll(store, image);
}
