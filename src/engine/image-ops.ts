// The image layer's operations the fronts use, with the engine's image store.
export { listImages } from '../image/ops/list.ts';
export type { ImageSummary } from '../image/ops/list.ts';
export { inspectImage, imageHistory } from '../image/ops/inspect.ts';
export type { ImageInspect, HistoryItem } from '../image/ops/inspect.ts';
export { tagImage } from '../image/ops/tag.ts';
export { removeImage } from '../image/ops/remove.ts';
export type { RemoveEvent } from '../image/ops/remove.ts';
export { pullImage } from '../image/ops/pull.ts';
export { pushImage } from '../image/ops/push.ts';
export { createProgress } from '../image/progress.ts';
export type { Progress } from '../image/progress.ts';
export type { Credentials } from '../image/auth/index.ts';
