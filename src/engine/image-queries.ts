// The image reads every front shows (images, image inspect), over an open image store: the full
// engine's ImageService and the query face (src/engine/query.ts) both answer with these. The
// image layer's operation modules are loaded on first use, as ImageService loads its others.
import type { ImageStore } from '../image/store/open.ts';
import type { ImageInspect, ImageSummary } from '../image/index.ts';
import type { Filters } from './requests.ts';

export interface ImageListOptions {
  /** `[REPOSITORY[:TAG]]`: only that repository (and tag). */
  reference?: string;
  /** reference, dangling, before, since, label. */
  filters?: Filters;
  all?: boolean;
}

/** Filters → the image layer's `k=v` list (its parser checks keys and values). */
export const asList = (f: Filters = {}) => Object.entries(f).flatMap(([k, vs]) => vs.map((v) => `${k}=${v}`));

export async function listImageSummaries(store: ImageStore, opts: ImageListOptions = {}): Promise<ImageSummary[]> {
  const { listImages } = await import('../image/ops/list.ts');
  return listImages(store, { ...(opts.reference ? { reference: opts.reference } : {}), filters: asList(opts.filters), all: opts.all ?? false });
}

export async function inspectImageRef(store: ImageStore, ref: string): Promise<ImageInspect> {
  const { inspectImage } = await import('../image/ops/inspect.ts');
  return inspectImage(store, ref);
}
