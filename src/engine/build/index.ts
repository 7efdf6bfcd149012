// The engine's build support (what `berth build` runs its steps through).
export { BuildService, BuildError } from './service.ts';
export type { BuildState, LayerRef, BaseImage, WorkRoot } from './service.ts';
export type { BuildProcess, BuildMount } from './process.ts';
export type { CopyEntry, CopyRequest } from './files.ts';
export { CopyError, applyChmod } from './files.ts';
