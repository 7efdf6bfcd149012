// POST /containers/create: docker's body translated (create-request.ts) and handed to the
// engine. The engine's create removes whatever it made when it fails, so a bad request leaves
// no half-created container behind. The container's monitor starts meanwhile, for the start
// that usually follows at once (start-ahead.ts).
import type { ApiContext } from './context.ts';
import { toCreateRequest } from './create-request.ts';
import { notFound } from './errors.ts';
import { dropAhead, prelaunchForStart } from './start-ahead.ts';
import { ImageUnknownError } from '../engine/index.ts';

export async function createContainer(ctx: ApiContext): Promise<void> {
  const { req, warnings } = toCreateRequest(await ctx.json(), ctx.query.get('name') ?? undefined);
  const platform = ctx.query.get('platform');
  if (platform) req.platform = platform;
  let id: string | undefined;
  try {
    const rec = await ctx.engine.containers.create(req, {
      onReady: async (r) => { id = r.id; prelaunchForStart(ctx.engine, ctx.server.ahead, r); },
    });
    ctx.sendJSON(201, { Id: rec.id, Warnings: warnings });
  } catch (e) {
    // The engine removed what it made (the monitor included); the handoff is ours.
    if (id) await dropAhead(ctx.engine, ctx.server.ahead, id);
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
