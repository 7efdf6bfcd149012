// POST /containers/create: docker's body translated (create-request.ts) and handed to the
// engine. The engine's create removes whatever it made when it fails, so a bad request leaves
// no half-created container behind. The container's start begins meanwhile (the engine's
// startAhead: its monitor, the warm cgroup join, an AutoRemove container's handoff), for the
// start docker run sends a few milliseconds later; the engine drops it after AHEAD_MS without
// one (`docker create` alone), and at the container's removal, whoever removes it.
import type { ApiContext } from './context.ts';
import { toCreateRequest } from './create-request.ts';
import { notFound } from './errors.ts';
import { ImageUnknownError } from '../engine/index.ts';

/** How long a start begun at create waits for its start. */
export const AHEAD_MS = 3000;

export async function createContainer(ctx: ApiContext): Promise<void> {
  const { req, warnings } = toCreateRequest(await ctx.json(), ctx.query.get('name') ?? undefined);
  const platform = ctx.query.get('platform');
  if (platform) req.platform = platform;
  try {
    // (A create that fails removes what it made, the start begun ahead included.)
    const rec = await ctx.engine.containers.create(req, {
      onReady: async (r) => { ctx.engine.containers.startAhead(r, { expireMs: AHEAD_MS }); },
    });
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
