// berth stop [-t SECONDS] [-s SIGNAL] CONTAINER...
import { FlagError, parseFlags, str, type FlagDef } from './flags.ts';
import type { Command } from './context.ts';
import { forEach } from './each.ts';

export const STOP_FLAGS: FlagDef[] = [
  { name: 'time', short: 't', kind: 'string', help: 'Seconds to wait before killing the container' },
  { name: 'timeout', kind: 'string' },
  { name: 'signal', short: 's', kind: 'string', help: 'Signal to send to the container' },
];

export function timeoutOf(p: ReturnType<typeof parseFlags>): number | undefined {
  const t = str(p, 'time') ?? str(p, 'timeout');
  if (t === undefined) return undefined;
  if (!/^-?\d+$/.test(t)) throw new FlagError(`invalid argument "${t}" for "-t, --time" flag`);
  return Math.max(0, Number(t));
}

const cmd: Command = {
  usage: 'berth stop [OPTIONS] CONTAINER [CONTAINER...]',
  about: 'Stop one or more running containers',
  flags: STOP_FLAGS,
  async run(ctx) {
    const p = parseFlags(ctx.argv, STOP_FLAGS);
    if (!p.args.length) throw new FlagError('requires at least 1 argument');
    const t = timeoutOf(p);
    // In parallel, as docker's CLI does: N containers ignoring the signal take one timeout, not N.
    return forEach(ctx, p.args, async (ref) => { await ctx.engine().containers.stop(ref, { timeout: t, signal: str(p, 'signal') }); return ref; }, { parallel: 16 });
  },
};
export default cmd;
