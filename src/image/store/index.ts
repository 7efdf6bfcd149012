// The image store's public face: content-addressed blobs, locks, image metadata and GC.
export { FileContentStore, sha256Digest } from './content.ts';
export type { ContentStore, BlobWriter, BlobInfo } from './content.ts';
export { acquireLock, tryAcquireLock } from './lock.ts';
export type { Lock, LockOptions } from './lock.ts';
export * from './errors.ts';
