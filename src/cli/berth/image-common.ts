// Shared by the image commands' fronts: the image store under the engine's --root, the
// progress sink, the engine's answer to "which containers use this image?", and docker's
// error shape for image commands (message on stderr, exit status 1).
import { openImageStore, type ImageStore } from '../../image/store/open.ts';
import { createProgress, type Progress } from '../../image/progress.ts';
import type { ContainerUse } from '../../image/ops/remove.ts';
import type { Context } from './context.ts';
import { FlagError } from './flags.ts';

export function openStore(ctx: Context): ImageStore {
  return openImageStore(ctx.globals.root ?? process.env.BERTH_ROOT);
}

/** Per-layer bars on a TTY, plain lines otherwise, nothing with --quiet. */
export function progressFor(quiet: boolean): Progress {
  return createProgress({ mode: quiet ? 'quiet' : 'auto', out: process.stdout });
}

/** Containers (of the engine under the same roots) whose image is `imageId`. */
export function containersUsing(ctx: Context): (imageId: string) => ContainerUse[] {
  return (imageId) => ctx.engine().list(true)
    .filter((c) => c.config.imageId === imageId)
    .map((c) => ({ id: c.id, running: c.state.status === 'running' }));
}

/** Runs a command body with the store open; errors other than usage errors print as docker's
 * ("Error response from daemon: …") and exit 1. */
export async function withStore(ctx: Context, body: (store: ImageStore) => Promise<number>): Promise<number> {
  let store: ImageStore | undefined;
  try {
    store = openStore(ctx);
    return await body(store);
  } catch (e) {
    if (e instanceof FlagError) throw e;
    return fail(ctx, e);
  } finally {
    store?.close();
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
