// berth network rm NAME...
import type { Command } from './context.ts';
import { forEach } from './each.ts';
import { FlagError, parseFlags } from './flags.ts';

const cmd: Command = {
  usage: 'berth network rm NETWORK [NETWORK...]',
  about: 'Remove one or more networks',
  async run(ctx) {
    const p = parseFlags(ctx.argv, [{ name: 'force', short: 'f', kind: 'bool' }]);
    if (!p.args.length) throw new FlagError('requires at least 1 argument');
    return forEach(ctx, p.args, async (n) => { await ctx.engine().networks.remove(n); return n; });
  },
};
export default cmd;
