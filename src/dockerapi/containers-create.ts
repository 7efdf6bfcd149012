// POST /containers/create: docker's body translated (create-request.ts) and handed to the
// engine. The engine's create removes whatever it made when it fails, so a bad request leaves
// no half-created container behind.
import type { ApiContext } from './context.ts';
import { toCreateRequest } from './create-request.ts';
import { notFound } from './errors.ts';
import { ImageUnknownError } from '../engine/index.ts';

export async function createContainer(ctx: ApiContext): Promise<void> {
  const { req, warnings } = toCreateRequest(await ctx.json(), ctx.query.get('name') ?? undefined);
  const platform = ctx.query.get('platform');
  if (platform) req.platform = platform;
  try {
    const rec = await ctx.engine.containers.create(req);
    ctx.sendJSON(201, { Id: rec.id, Warnings: warnings });
  } catch (e) {
    // The docker CLI pulls on exactly this 404 message shape, then creates again.
    if (e instanceof ImageUnknownError) throw notFound(`No such image: ${fullRef(req.image)}`);
    throw e;
  }
}

/** busybox → busybox:latest (what docker names in "No such image"). */
function fullRef(ref: string): string {
  if (ref.includes('@')) return ref;
  const last = ref.slice(ref.lastIndexOf('/') + 1);
  return last.includes(':') ? ref : `${ref}:latest`;
}
