// ListImages: every image in the engine's store (the one `berth images` shows), optionally only
// the one a filter names.
import { findEngineImage, listEngineImages } from '../engine/index.ts';
import type { CriContext } from './context.ts';
import { toImage } from './image-convert.ts';
import type { Image, ListImagesRequest } from './types.ts';

export async function listImages(ctx: CriContext, req: ListImagesRequest): Promise<{ images: Image[] }> {
  const ref = req.filter?.image?.image;
  if (ref) {
    const im = await findEngineImage(ctx.engine, ref);
    return { images: im ? [toImage(im)] : [] };
  }
  return { images: (await listEngineImages(ctx.engine)).map(toImage) };
}
