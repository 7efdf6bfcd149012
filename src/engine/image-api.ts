// Image operations as the engine offers them to daemon fronts (the CRI's ImageService): the
// image layer's ops over the engine's one store (pods' images are `berth images`' images), with
// the containers that use an image answered by the engine.
import { mkdirSync, statfsSync } from 'node:fs';
import type { StoredImage } from '../image/ops/index.ts';
import type { ImageConfig, Manifest } from '../image/types.ts';
import type { Engine } from './engine.ts';
import { ImageUnknownError } from './errors.ts';

/** The image layer's operations, loaded on first use: `src/image/ops` brings the registry
 * client (node:https, tls), which every CLI start would otherwise initialise through the
 * engine's index (`berth ps` paid ~25 ms for it). */
const ops = () => import('../image/ops/index.ts');

export interface EngineImage {
  id: string;
  tags: string[];
  digests: string[];
  size: number;
  /** The config's User ('' when unset). */
  user: string;
  created: string;
}

async function describe(engine: Engine, im: StoredImage): Promise<EngineImage> {
  const { imageContentSize } = await ops();
  const store = engine.images.store();
  let user = '';
  try {
    const man = await store.content.readJson<Manifest>(im.primary.manifestDigest);
    user = (await store.content.readJson<ImageConfig>(man.config.digest)).config?.User ?? '';
  } catch { /* a record without its blobs: no user to report */ }
  return { id: im.id, tags: im.tags, digests: im.digests, size: await imageContentSize(store, im), user, created: im.stored };
}

export async function listEngineImages(engine: Engine): Promise<EngineImage[]> {
  const { storedImages } = await ops();
  return Promise.all(storedImages(engine.images.store()).map((im) => describe(engine, im)));
}

/** By name or ID; null when there is none (ImageStatus answers "no image", not an error). */
export async function findEngineImage(engine: Engine, ref: string): Promise<EngineImage | null> {
  const { findImage, NoSuchImageError } = await ops();
  try {
    return await describe(engine, findImage(engine.images.store(), ref).image);
  } catch (e) {
    if (e instanceof NoSuchImageError || (e as Error).name === 'InvalidReferenceError') return null;
    throw e;
  }
}

/** Pulls (with a login for this pull, when given); returns the image. */
export async function pullEngineImage(engine: Engine, ref: string, credentials?: { username: string; password: string; identityToken?: string }): Promise<EngineImage> {
  const { pullImage } = await ops();
  const [pulled] = await pullImage(engine.images.store(), ref, credentials ? { credentials } : {});
  const found = await findEngineImage(engine, pulled.reference);
  if (!found) throw new ImageUnknownError(ref, 'pulled, but not in the store afterwards');
  return found;
}

/** Removes every name of the image (the CRI removes an image, not a tag); refused while a
 * container uses it. */
export async function removeEngineImage(engine: Engine, ref: string): Promise<void> {
  const { findImage, removeImage } = await ops();
  const store = engine.images.store();
  const { image } = findImage(store, ref);
  const usedBy = (id: string) => engine.containers.list({ all: true }).filter((c) => c.config.imageId === id).map((c) => ({ id: c.id, running: c.state.status === 'running' }));
  for (const name of [...image.tags, ...image.digests]) await removeImage(store, name, { usedBy });
  if (!image.tags.length && !image.digests.length) await removeImage(store, image.id, { usedBy });
}

/** The file system holding the image store: its mount point and the bytes and inodes in use. */
export function imageFsUsage(engine: Engine): { mountpoint: string; usedBytes: number; inodesUsed: number } {
  const root = engine.paths.root;
  // A fresh daemon's root may not exist before its first image or container (kubelet asks first).
  mkdirSync(root, { recursive: true });
  const s = statfsSync(root);
  return { mountpoint: root, usedBytes: (s.blocks - s.bfree) * s.bsize, inodesUsed: s.files - s.ffree };
}
