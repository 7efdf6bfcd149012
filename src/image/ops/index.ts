// berth's image operations, the library behind `berth pull/push/images/rmi/tag/inspect/
// history/save/load/image prune/login/logout`: each takes an open ImageStore (openImageStore
// with the engine's root) and returns data; the CLI fronts (src/cli/berth/image-*.ts) print it.
export * from './errors.ts';
export { nameParts, familiarRecordName, groupRecords, normalizeName } from './names.ts';
export type { NameKind, NameParts, StoredImage } from './names.ts';
export { findImage, storedImages, imageById } from './resolve.ts';
export type { FoundImage } from './resolve.ts';
export { setName, keepIfNameless, deleteImage } from './records.ts';
export type { RecordTarget, Reclaimed } from './records.ts';
export { listImages, parseFilters, globMatch, imageContentSize } from './list.ts';
export type { ImageSummary, ListOptions } from './list.ts';
export { pullImage, registryClient } from './pull.ts';
export type { PullImageOptions, PulledImage, RegistryAccess } from './pull.ts';
export { pushImage, NoSuchLocalTagError } from './push.ts';
export type { PushImageOptions, PushedImage } from './push.ts';
export { tagImage } from './tag.ts';
export { removeImage } from './remove.ts';
export type { ContainerUse, ImageUsage, RemoveOptions, RemoveEvent, RemoveResult } from './remove.ts';
export { inspectImage, imageHistory } from './inspect.ts';
export type { ImageInspect, HistoryItem } from './inspect.ts';
export { saveImage, loadImage, loadMessages, parseArchiveFormat, ARCHIVE_FORMATS } from './archive.ts';
export type { LoadedImage } from './archive.ts';
export { pruneImages, parseUntil } from './prune.ts';
export type { PruneOptions, PruneResult } from './prune.ts';
export { loginRegistry, logoutRegistry, registryDomain } from './login.ts';
