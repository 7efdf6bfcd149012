// berth container prune [-f]: removes every container that is not running.
import type { Command } from './context.ts';
import { parseFilterList } from '../../engine/index.ts';
import { list, parseFlags, type FlagDef } from './flags.ts';

const FLAGS: FlagDef[] = [{ name: 'force', short: 'f', kind: 'bool', help: 'Do not prompt for confirmation' }, { name: 'filter', kind: 'list', help: 'Provide filter values (until=, label=, label!=)' }];

const cmd: Command = {
  usage: 'berth container prune [OPTIONS]',
  about: 'Remove all stopped containers',
  flags: FLAGS,
  async run(ctx) {
    const p = parseFlags(ctx.argv, FLAGS);
    const r = await ctx.engine().containers.prune(parseFilterList(list(p, 'filter')));
    for (const e of r.errors) ctx.err(`${e.message}\n`);
    ctx.out(`Deleted Containers:\n${r.removed.map((g) => `${g}\n`).join('')}\nTotal reclaimed space: 0B\n`);
    return 0;
  },
};
export default cmd;
