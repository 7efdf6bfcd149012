// berth logout [SERVER]
import type { Command } from './context.ts';
import { parseFlags } from './flags.ts';
import { fail, needArgs } from './image-common.ts';

const cmd: Command = {
  usage: 'berth logout [SERVER]',
  about: 'Log out from a registry (default docker.io)',
  flags: [],
  async run(ctx) {
    const p = parseFlags(ctx.argv, []);
    needArgs(p.args, 'logout', 0, 1);
    try {
      const r = await ctx.engine().images.logout(p.args[0]);
      ctx.out(r.removed ? `Removing login credentials for ${r.domain}\n` : `Not logged in to ${r.domain}\n`);
      return 0;
    } catch (e) {
      return fail(ctx, e);
    }
  },
};
export default cmd;
