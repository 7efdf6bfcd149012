// berth network connect [--alias A] NETWORK CONTAINER
import type { Command } from './context.ts';
import { FlagError, list, parseFlags, type FlagDef } from './flags.ts';

const FLAGS: FlagDef[] = [{ name: 'alias', kind: 'list', help: 'Add network-scoped alias for the container' }];

const cmd: Command = {
  usage: 'berth network connect [OPTIONS] NETWORK CONTAINER',
  about: 'Connect a container to a network',
  flags: FLAGS,
  async run(ctx) {
    const p = parseFlags(ctx.argv, FLAGS);
    if (p.args.length !== 2) throw new FlagError('requires exactly 2 arguments');
    await ctx.engine().containers.connect(p.args[1], p.args[0], list(p, 'alias'));
    return 0;
  },
};
export default cmd;
