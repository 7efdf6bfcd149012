// The image store's public face: content-addressed blobs, locks, image metadata and GC.
export { FileContentStore, sha256Digest } from './content.ts';
export type { ContentStore, BlobWriter, BlobInfo } from './content.ts';
export { acquireLock, tryAcquireLock } from '../../util/lock.ts';
export type { Lock, LockOptions } from '../../util/lock.ts';
export { ImageMetadata } from './metadata.ts';
export type { ImageRecord } from './metadata.ts';
export { garbageCollect, reachable } from './gc.ts';
export type { GcOptions, GcResult } from './gc.ts';
export * from './errors.ts';
export { openImageStore, DEFAULT_ROOT } from './open.ts';
export type { ImageStore } from './open.ts';
