// Shared by the image commands' fronts: the progress sink, and docker's error shape for image
// commands (message on stderr, exit status 1).
import { createProgress, type ImageService, type Progress } from '../../engine/index.ts';
import type { Context } from './context.ts';
import { FlagError } from './flags.ts';

/** Per-layer bars on a TTY, plain lines otherwise, nothing with --quiet. */
export function progressFor(quiet: boolean): Progress {
  return createProgress({ mode: quiet ? 'quiet' : 'auto', out: process.stdout });
}

/** Runs a command body on the engine's image service; errors other than usage errors print as
 * docker's ("Error response from daemon: …") and exit 1. */
export async function withImages(ctx: Context, body: (images: ImageService) => Promise<number>): Promise<number> {
  try {
    return await body(ctx.engine().images);
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
