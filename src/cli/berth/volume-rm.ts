// berth volume rm [-f] NAME...
import type { Command } from './context.ts';
import { forEach } from './each.ts';
import { bool, FlagError, parseFlags } from './flags.ts';

const cmd: Command = {
  usage: 'berth volume rm [OPTIONS] VOLUME [VOLUME...]',
  about: 'Remove one or more volumes',
  async run(ctx) {
    const p = parseFlags(ctx.argv, [{ name: 'force', short: 'f', kind: 'bool', help: 'Force the removal of one or more volumes' }]);
    if (!p.args.length) throw new FlagError('requires at least 1 argument');
    return forEach(ctx, p.args, async (n) => {
      if (bool(p, 'force') && !ctx.engine().volumes.find(n)) return n;
      await ctx.engine().volumes.remove(n);
      return n;
    });
  },
};
export default cmd;
