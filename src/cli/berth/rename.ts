// berth rename CONTAINER NEW_NAME
import { FlagError, parseFlags } from './flags.ts';
import type { Command } from './context.ts';

const cmd: Command = {
  usage: 'berth rename CONTAINER NEW_NAME',
  about: 'Rename a container',
  async run(ctx) {
    const p = parseFlags(ctx.argv, []);
    if (p.args.length !== 2) throw new FlagError('requires exactly 2 arguments');
    const [ref, name] = p.args;
    ctx.engine().containers.rename(ref, name);
    return 0;
  },
};
export default cmd;
