// The engine's build support (what `berth build` runs its steps through).
export { BuildService } from './service.ts';
export type { WorkRoot } from './service.ts';
export { BuildCache } from './cache.ts';
export type { CacheImport, CacheExport, CacheSource } from './cache-transfer.ts';
export { BuildError } from './types.ts';
export type { BuildState, LayerRef, BaseImage } from './types.ts';
export type { BuildProcess, BuildMount } from './process.ts';
export type { LayerCompression } from './layer.ts';
export type { CopyEntry, CopyRequest } from './files.ts';
export { CopyError, applyChmod } from './files.ts';
