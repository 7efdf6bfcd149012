// ImageStatus: the image, or no image (not an error: kubelet asks before pulling); verbose adds
// berth's view as JSON under "info".
import { findEngineImage } from '../engine/index.ts';
import type { CriContext } from './context.ts';
import { invalidArgument } from './errors.ts';
import { toImage } from './image-convert.ts';
import type { ImageStatusRequest } from './types.ts';

export async function imageStatus(ctx: CriContext, req: ImageStatusRequest): Promise<object> {
  const ref = req.image?.image;
  if (!ref) throw invalidArgument('ImageStatus: image.image is required');
  const im = await findEngineImage(ctx.engine, ref);
  if (!im) return { image: null, info: {} };
  return { image: toImage(im), info: req.verbose ? { info: JSON.stringify({ id: im.id, created: im.created, user: im.user, size: im.size }) } : {} };
}
