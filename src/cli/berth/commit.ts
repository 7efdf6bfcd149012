// berth commit [OPTIONS] CONTAINER REPOSITORY[:TAG]: a new image from a container's changes.
import type { Command } from './context.ts';
import { FlagError, bool, parseFlags, str, type FlagDef } from './flags.ts';

const FLAGS: FlagDef[] = [
  { name: 'author', short: 'a', kind: 'string', help: 'Author (e.g., "John Hannibal Smith <hannibal@a-team.com>")' },
  { name: 'message', short: 'm', kind: 'string', help: 'Commit message' },
  { name: 'pause', short: 'p', kind: 'bool', help: 'Pause container during commit (default true)' },
];

const cmd: Command = {
  usage: 'berth commit [OPTIONS] CONTAINER REPOSITORY[:TAG]',
  about: "Create a new image from a container's changes",
  flags: FLAGS,
  async run(ctx) {
    const p = parseFlags(ctx.argv, FLAGS);
    if (p.args.length !== 2) throw new FlagError(p.args.length === 1 ? 'a REPOSITORY[:TAG] is required: berth keeps images by name' : 'requires 2 arguments');
    const id = await ctx.engine().containers.commit(p.args[0], {
      reference: p.args[1], author: str(p, 'author'), message: str(p, 'message'), pause: bool(p, 'pause', true),
    });
    ctx.out(`${id}\n`);
    return 0;
  },
};
export default cmd;
