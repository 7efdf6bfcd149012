// berth rm [-f] [-v] CONTAINER...
import { bool, FlagError, parseFlags, type FlagDef } from './flags.ts';
import type { Command } from './context.ts';
import { forEach } from './each.ts';

const FLAGS: FlagDef[] = [
  { name: 'force', short: 'f', kind: 'bool', help: 'Force the removal of a running container (uses SIGKILL)' },
  { name: 'volumes', short: 'v', kind: 'bool', help: 'Remove anonymous volumes associated with the container' },
  { name: 'link', short: 'l', kind: 'bool', help: 'Remove the specified link (not supported)' },
];

const cmd: Command = {
  usage: 'berth rm [OPTIONS] CONTAINER [CONTAINER...]',
  about: 'Remove one or more containers',
  flags: FLAGS,
  async run(ctx) {
    const p = parseFlags(ctx.argv, FLAGS);
    if (!p.args.length) throw new FlagError('requires at least 1 argument');
    return forEach(ctx, p.args, async (ref) => {
      await ctx.engine().containers.remove(ref, { force: bool(p, 'force'), volumes: bool(p, 'volumes') });
      return ref;
    }, { parallel: 4 }); // each waits mostly on runtime processes and its conmon's exit command
  },
};
export default cmd;
