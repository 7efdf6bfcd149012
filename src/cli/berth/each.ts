// docker's multi-target commands (stop a b c): act on each, print what it printed for the ones
// that worked, report the others, and exit 1 if any failed. With `parallel` > 1 (docker's CLI
// runs rm, stop and kill on all targets at once) up to that many run concurrently; the output
// still comes in the order of the arguments.
import type { Context } from './context.ts';

type Outcome = { ok: true; out: string | void } | { ok: false; err: Error };

export async function forEach(ctx: Context, refs: string[], fn: (ref: string) => Promise<string | void>, opts: { parallel?: number } = {}): Promise<number> {
  let failed = false;
  const report = (o: Outcome) => {
    if (o.ok) { if (o.out !== undefined) ctx.out(`${o.out}\n`); return; }
    failed = true;
    ctx.err(`Error response from daemon: ${o.err.message}\n`);
  };
  const run = (ref: string): Promise<Outcome> => fn(ref).then((out) => ({ ok: true as const, out }), (err: Error) => ({ ok: false as const, err }));
  const width = Math.max(1, Math.min(opts.parallel ?? 1, refs.length));
  const pending: Promise<Outcome>[] = [];
  let next = 0;
  // A window of `width` operations; the oldest is reported (in argument order) before another starts.
  while (next < refs.length && pending.length < width) pending.push(run(refs[next++]));
  while (pending.length) {
    report(await pending.shift()!);
    if (next < refs.length) pending.push(run(refs[next++]));
  }
  return failed ? 1 : 0;
}
