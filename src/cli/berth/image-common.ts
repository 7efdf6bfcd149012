// Shared by the image commands' fronts: the progress sink, and docker's error shape for image
// commands (message on stderr, exit status 1).
import type { ImageService, QueryFace } from '../../engine/index.ts';
import type { Context } from './context.ts';
import { FlagError } from './flags.ts';

/** Runs a command body on the engine's image service; errors other than usage errors print as
 * docker's ("Error response from daemon: …") and exit 1. */
export function withImages(ctx: Context, body: (images: ImageService) => Promise<number>): Promise<number> {
  return imageErrors(ctx, () => body(ctx.engine().images));
}

/** withImages for the read-only image commands (images, image inspect): the engine's query face. */
export function withImageQueries(ctx: Context, body: (images: QueryFace['images']) => Promise<number>): Promise<number> {
  return imageErrors(ctx, () => body(ctx.query().images));
}

async function imageErrors(ctx: Context, run: () => Promise<number>): Promise<number> {
  try {
    return await run();
  } catch (e) {
    if (e instanceof FlagError) throw e;
    return fail(ctx, e);
  }
}

export function fail(ctx: Context, e: unknown): number {
  const msg = e instanceof Error ? e.message : String(e);
  ctx.err(`Error response from daemon: ${msg}\n`);
  if (ctx.globals.debug && e instanceof Error && e.stack) ctx.err(`${e.stack}\n`);
  return 1;
}

/** Usage errors for wrong argument counts, in docker's words. */
export function needArgs(args: readonly string[], cmd: string, min: number, max = min): void {
  if (args.length >= min && args.length <= max) return;
  const what = min === max ? `exactly ${min} argument${min === 1 ? '' : 's'}` : max === Infinity ? `at least ${min} argument${min === 1 ? '' : 's'}` : `at most ${max} argument${max === 1 ? '' : 's'}`;
  throw new FlagError(`"berth ${cmd}" requires ${what}.`);
}
