// berth container cleanup ID: conmon's exit command (hidden). Releases an exited container's
// network and runtime state, removes it for --rm, restarts it under a restart policy.
import type { Command } from './context.ts';

const cmd: Command = {
  usage: 'berth container cleanup CONTAINER',
  about: 'Release the resources of an exited container',
  async run(ctx) {
    for (const ref of ctx.argv) await ctx.engine().containers.cleanup(ref);
    return 0;
  },
};
export default cmd;
