// Image archives: docker-archive (`docker save`) and OCI layouts, `load` detecting the format.
export { loadImages, saveImages } from './load.ts';
export type { ArchiveFormat, LoadResult } from './load.ts';
export { dockerArchiveEntries, saveDockerArchive, importDockerArchive } from './docker.ts';
export { ArchiveError, dirFiles, tarFiles } from './files.ts';
export type { ArchiveFiles } from './files.ts';
