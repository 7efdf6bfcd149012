// berth top CONTAINER [ps OPTIONS]: the host's ps narrowed to the container's processes
// (engine.containers.top).
import type { Command } from './context.ts';
import { FlagError } from './flags.ts';

const cmd: Command = {
  usage: 'berth top CONTAINER [ps OPTIONS]',
  about: 'Display the running processes of a container',
  async run(ctx) {
    const [ref, ...psArgs] = ctx.argv;
    if (!ref) throw new FlagError('requires at least 1 argument');
    ctx.out((await ctx.engine().containers.top(ref, psArgs)).text);
    return 0;
  },
};
export default cmd;
