// berth network rm NAME...
import { removeNetwork } from '../../network/index.ts';
import { netOpts } from '../../engine/netglue.ts';
import type { Command } from './context.ts';
import { forEach } from './each.ts';
import { FlagError, parseFlags } from './flags.ts';

const cmd: Command = {
  usage: 'berth network rm NETWORK [NETWORK...]',
  about: 'Remove one or more networks',
  async run(ctx) {
    const p = parseFlags(ctx.argv, [{ name: 'force', short: 'f', kind: 'bool' }]);
    if (!p.args.length) throw new FlagError('requires at least 1 argument');
    return forEach(ctx, p.args, async (n) => { await removeNetwork(n, netOpts(ctx.engine())); return n; });
  },
};
export default cmd;
