// berth's container engine as a library (the CLI, and later the CRI and Docker API layers, use
// it). Daemonless: state under a data root and a run root; conmon monitors each container.
export { Engine } from './engine.ts';
export { mergeEnv } from '../oci/env.ts';
export type { CreateRequest, EngineInit } from './engine.ts';
export { enginePaths, containerDir, DEFAULT_ROOT, DEFAULT_RUN_ROOT } from './paths.ts';
export type { EngineOptions, EnginePaths } from './paths.ts';
export type { ContainerConfig, ContainerRecord, ContainerState, ContainerStatus, MountSpec, RestartPolicy, NetworkEndpoint } from './types.ts';
export { EngineStore } from './store.ts';
export type { VolumeRecord } from './store.ts';
export { resolveImage, buildBusyboxImage, BUILTIN_BUSYBOX } from './images.ts';
export type { PullPolicy, ResolvedImage } from './images.ts';
export { buildSpec, effectiveCaps } from './spec.ts';
export { DOCKER_DEFAULT_CAPS, DOCKER_MASKED_PATHS, DOCKER_READONLY_PATHS } from '../oci/docker-defaults.ts';
export type { SpecInputs } from './spec.ts';
export { lookupUser, parsePasswd, parseGroup, UserLookupError } from './users.ts';
export { readLogs, parseLogLine, parseSince, formatEntry, timeNs } from './logs.ts';
export type { LogEntry, ReadLogOptions } from './logs.ts';
export { conmonArgs, parseSyncMessage, startConmon, exitCodeFor } from './conmon.ts';
export { findRuntime } from './runtime.ts';
// top's filtering of the host's ps table to a container's pids (runc's way).
export { filterPsTable } from '../runtime/ops/ps.ts';
export { openRuntime, RuntimeError, BinaryRuntime, InProcessRuntime } from './ociruntime/index.ts';
export type { OciRuntime, RuntimeErrorKind, RuntimeFeatures, RuntimeResources, RuntimeState, RuntimeStats, RuntimeStatus } from './ociruntime/index.ts';
export { execInContainer, execProcessSpec } from './exec.ts';
export type { ExecRequest } from './exec.ts';
export { recordEvent, eventsPath } from './events.ts';
export type { EngineEvent, EventAction } from './events.ts';
export * from './errors.ts';
export * from './build/index.ts';
export type { ImageConfig, ImageRunConfig, HistoryEntry, Platform } from '../image/types.ts';
