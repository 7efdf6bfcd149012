// berth restart [-t SECONDS] CONTAINER...
import { FlagError, parseFlags, str } from './flags.ts';
import type { Command } from './context.ts';
import { forEach } from './each.ts';
import { STOP_FLAGS, timeoutOf } from './stop.ts';

const cmd: Command = {
  usage: 'berth restart [OPTIONS] CONTAINER [CONTAINER...]',
  about: 'Restart one or more containers',
  flags: STOP_FLAGS,
  async run(ctx) {
    const p = parseFlags(ctx.argv, STOP_FLAGS);
    if (!p.args.length) throw new FlagError('requires at least 1 argument');
    const t = timeoutOf(p);
    return forEach(ctx, p.args, async (ref) => {
      await ctx.engine().containers.restart(ref, { timeout: t, signal: str(p, 'signal') });
      return ref;
    });
  },
};
export default cmd;
