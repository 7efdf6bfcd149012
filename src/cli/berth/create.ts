// berth create: like run -d without the start.
import { parseFlags } from './flags.ts';
import { CREATE_FLAGS, toCreateRequest } from './create-flags.ts';
import type { Command } from './context.ts';
import { terminalSize } from './stream.ts';

const cmd: Command = {
  usage: 'berth create [OPTIONS] IMAGE [COMMAND] [ARG...]',
  about: 'Create a new container',
  flags: CREATE_FLAGS,
  async run(ctx) {
    const p = parseFlags(ctx.argv, CREATE_FLAGS, { stopAtPositional: true });
    const rec = await ctx.engine().containers.create(toCreateRequest(p, terminalSize()));
    ctx.out(`${rec.id}\n`);
    return 0;
  },
};
export default cmd;
