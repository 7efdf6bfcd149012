// berth network disconnect NETWORK CONTAINER
import type { Command } from './context.ts';
import { FlagError, parseFlags } from './flags.ts';

const cmd: Command = {
  usage: 'berth network disconnect [OPTIONS] NETWORK CONTAINER',
  about: 'Disconnect a container from a network',
  async run(ctx) {
    const p = parseFlags(ctx.argv, [{ name: 'force', short: 'f', kind: 'bool' }]);
    if (p.args.length !== 2) throw new FlagError('requires exactly 2 arguments');
    await ctx.engine().containers.disconnect(p.args[1], p.args[0]);
    return 0;
  },
};
export default cmd;
