// RemoveImage: removes the image with all its names; one already gone is not an error.
import { NoSuchImageError, removeEngineImage } from '../engine/index.ts';
import type { CriContext } from './context.ts';
import { invalidArgument } from './errors.ts';
import type { RemoveImageRequest } from './types.ts';

export async function removeImage(ctx: CriContext, req: RemoveImageRequest): Promise<object> {
  const ref = req.image?.image;
  if (!ref) throw invalidArgument('RemoveImage: image.image is required');
  try {
    await removeEngineImage(ctx.engine, ref);
  } catch (e) {
    if (!(e instanceof NoSuchImageError)) throw e;
  }
  return {};
}
