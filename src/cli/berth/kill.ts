// berth kill [-s SIGNAL] CONTAINER...
import { FlagError, parseFlags, str, type FlagDef } from './flags.ts';
import type { Command } from './context.ts';
import { forEach } from './each.ts';

const FLAGS: FlagDef[] = [{ name: 'signal', short: 's', kind: 'string', help: 'Signal to send to the container (default "KILL")' }];

const cmd: Command = {
  usage: 'berth kill [OPTIONS] CONTAINER [CONTAINER...]',
  about: 'Kill one or more running containers',
  flags: FLAGS,
  async run(ctx) {
    const p = parseFlags(ctx.argv, FLAGS);
    if (!p.args.length) throw new FlagError('requires at least 1 argument');
    return forEach(ctx, p.args, async (ref) => { await ctx.engine().containers.kill(ref, str(p, 'signal') ?? 'KILL'); return ref; });
  },
};
export default cmd;
