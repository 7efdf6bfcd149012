// berth unpause CONTAINER...: thaws paused containers (the OCI runtime's resume).
import { FlagError, parseFlags } from './flags.ts';
import type { Command } from './context.ts';
import { forEach } from './each.ts';

const cmd: Command = {
  usage: 'berth unpause CONTAINER [CONTAINER...]',
  about: 'Unpause all processes within one or more containers',
  flags: [],
  async run(ctx) {
    const p = parseFlags(ctx.argv, []);
    if (!p.args.length) throw new FlagError('requires at least 1 argument');
    return forEach(ctx, p.args, async (ref) => { await ctx.engine().unpause(ref); return ref; });
  },
};
export default cmd;
