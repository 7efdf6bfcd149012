// berth's container engine as a library: the public face every front (the CLI, berthd, the
// Docker API, the CRI, the builder) imports, and the only one. Daemonless: state under a data
// root and a run root; conmon monitors each container.
//
//   const engine = new Engine({ root, runRoot, runtime });
//   engine.containers / .images / .networks / .volumes / .system; engine.close()
export { Engine, prepareWorker } from './engine.ts';
export type { EngineInit } from './engine.ts';
export { ContainerService, CONTAINER_FILTERS, cpuPercent, networkTotals, parseNetDev } from './containers/index.ts';
export { mergeEnv } from '../oci/env.ts';
export type { ArchiveStream, Change, ContainerSize, LayerUsage, PathStat } from './containers/index.ts';
export type { AttachPaths, ContainerInspect, ContainerStats, ExportStream, InterfaceStats, LogsOptions, PruneResult, TopResult } from './containers/index.ts';
export { ImageService } from './image-service.ts';
export type { ImageListOptions } from './image-service.ts';
export { NetworkService, PREDEFINED_NETWORKS } from './networks.ts';
export type { NetworkPruneResult, NetworkInfo, NetworkDetails, NetworkMember } from './networks.ts';
export { VolumeService, VOLUME_NAME_RE } from './volumes.ts';
export type { VolumeCreateRequest, VolumePruneResult } from './volumes.ts';
export { SystemService } from './system.ts';
export type { DiskUsage, EngineInfo, EventsOptions, SystemPruneOptions, SystemPruneResult, UsageLine } from './system.ts';
export { parseFilterList, labelMatches } from './filters.ts';
export type {
  CreateOptions, CreateRequest, Filters, ListOptions, RemoveOptions, ResourceUpdate, StartHooks, StopOptions, StopResult, WaitCondition, WaitResult,
} from './requests.ts';
export { enginePaths, defaultRoots, containerDir, DEFAULT_ROOT, DEFAULT_RUN_ROOT } from './paths.ts';
export type { EngineOptions, EnginePaths } from './paths.ts';
export type { ContainerConfig, ContainerRecord, ContainerState, ContainerStatus, DeepReadonly, ListedContainer, MountSpec, RestartPolicy, NetworkEndpoint } from './types.ts';
export type { VolumeRecord } from './store.ts';
export { resolveImage, buildBusyboxImage, BUILTIN_BUSYBOX } from './images.ts';
export type { PullPolicy, ResolvedImage } from './images.ts';
export { buildSpec, effectiveCaps } from './spec.ts';
export { DOCKER_DEFAULT_CAPS, DOCKER_MASKED_PATHS, DOCKER_READONLY_PATHS } from '../oci/docker-defaults.ts';
export type { SpecInputs } from './spec.ts';
export { lookupUser, parsePasswd, parseGroup, UserLookupError } from './users.ts';
export { readLogs, parseLogLine, parseSince, formatEntry, timeNs } from './logs.ts';
export type { LogEntry } from './logs.ts';
export type { Handoff } from './handoff.ts';
export type { ExecRequest } from './containers/exec.ts';
export type { CommitOptions } from './containers/commit.ts';
export { applyConfigChanges } from './config-changes.ts';
export type { ConfigChange } from './config-changes.ts';
// The OCI runtime interface (engine.runtime, engine.runtimeFor(path)): typed calls and errors.
export { openRuntime, RuntimeError } from './ociruntime/index.ts';
export type { OciRuntime, RuntimeErrorKind, RuntimeFeatures, RuntimeResources, RuntimeState, RuntimeStats, RuntimeStatus } from './ociruntime/index.ts';
export type { EngineEvent, EventAction } from './events.ts';
export { parseBindSpec, parseTmpfsSpec } from './mount-spec.ts';
export { attachStdin, resizeTty } from './attach.ts';
export { DetachFilter, pipeDetachable, parseDetachKeys, DEFAULT_DETACH_KEYS, InvalidDetachKeysError } from './detach-keys.ts';
export type { StdinSession } from './attach.ts';
export { ExecSessions, NoSuchExecError } from './exec-session.ts';
export type { ExecSession, ExecStreams } from './exec-session.ts';
export * from './errors.ts';
export { checkpointContainer, CheckpointUnsupportedError } from './checkpoint.ts';
// The image and network layers' vocabulary that fronts need to speak to the engine: requests,
// results and errors, the progress display of pulls and pushes, and the parser of -p.
// (From the small modules themselves: the image layer's index loads all of it.)
export { createProgress } from '../image/progress.ts';
// X-Registry-Auth's credentials, handed to images.pull/push.
export type { Credentials } from '../image/auth/index.ts';
export { shortId } from '../image/types.ts';
export type { Progress, ProgressMode, ImageSummary, ImageInspect, HistoryItem, PulledImage, PushedImage, LoadedImage, RemoveEvent, RemoveResult, ArchiveFormat } from '../image/index.ts';
export { parsePublish, DEFAULT_NETWORK } from '../network/index.ts';
// Pods (engine.pods) and what daemon fronts (the CRI) use on containers and images.
export * from './pods/index.ts';
export type { PodRecord, PodConfig, PodState, PodCreateRequest, PodPortMapping, PodStatus } from './pods/types.ts';
export { NoSuchPodError, PodNameConflictError, PodStateError, PodRequestError } from './pods/errors.ts';
export { POD_FILTER_KEYS } from './pods/filters.ts';
export type { PodFilters } from './pods/filters.ts';
export type { ExecChild, CapturedExec } from './containers/piped.ts';
export { listEngineImages, findEngineImage, pullEngineImage, removeEngineImage, imageFsUsage } from './image-api.ts';
export type { EngineImage } from './image-api.ts';
export { NoSuchImageError, ImageConflictError, AmbiguousImageError, InvalidImageArgumentError } from '../image/ops/errors.ts';
export type { PublishRequest, PortMapping, CreateNetworkRequest } from '../network/index.ts';
export * from './build/index.ts';
export type { ImageConfig, ImageRunConfig, HistoryEntry, Platform } from '../image/types.ts';
// The read-only face (ps, inspect, images, image inspect) the CLI's query bundle runs on alone.
export { QueryEngine } from './query.ts';
export type { QueryFace } from './query.ts';
