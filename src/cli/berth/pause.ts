// berth pause|unpause CONTAINER...: freezes every process of running containers, or thaws them
// (the OCI runtime's pause and resume).
import { FlagError, parseFlags } from './flags.ts';
import type { Command } from './context.ts';
import { forEach } from './each.ts';

function freezer(op: 'pause' | 'unpause', about: string): Command {
  return {
    usage: `berth ${op} CONTAINER [CONTAINER...]`,
    about,
    flags: [],
    async run(ctx) {
      const p = parseFlags(ctx.argv, []);
      if (!p.args.length) throw new FlagError('requires at least 1 argument');
      return forEach(ctx, p.args, async (ref) => { await ctx.engine().containers[op](ref); return ref; });
    },
  };
}

export const unpause = freezer('unpause', 'Unpause all processes within one or more containers');
export default freezer('pause', 'Pause all processes within one or more containers');
