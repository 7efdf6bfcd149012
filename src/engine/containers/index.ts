// The container service's public face (the engine's index.ts re-exports it).
export { ContainerService } from './service.ts';
export type { AttachPaths, ContainerInspect, LogsOptions } from './service.ts';
export { CONTAINER_FILTERS } from './list-filters.ts';
export { cpuPercent, networkTotals, parseNetDev } from './stats.ts';
export type { ContainerStats, InterfaceStats } from './stats.ts';
export type { TopResult } from './top.ts';
export type { PruneResult } from './prune.ts';
export type { ExportStream } from './copy-export.ts';
export type { ArchiveStream, PathStat } from './archive.ts';
export type { Change } from './changes.ts';
export type { ContainerSize, LayerUsage } from './size.ts';
