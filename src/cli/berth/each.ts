// docker's multi-target commands (stop a b c): act on each, print what it printed for the ones
// that worked, report the others, and exit 1 if any failed.
import type { Context } from './context.ts';

export async function forEach(ctx: Context, refs: string[], fn: (ref: string) => Promise<string | void>): Promise<number> {
  let failed = false;
  for (const ref of refs) {
    try {
      const out = await fn(ref);
      if (out !== undefined) ctx.out(`${out}\n`);
    } catch (e) {
      failed = true;
      ctx.err(`Error response from daemon: ${(e as Error).message}\n`);
    }
  }
  return failed ? 1 : 0;
}
