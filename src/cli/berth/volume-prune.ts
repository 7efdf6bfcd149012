// berth volume prune [-a] [-f]: removes unused anonymous volumes (every unused one with -a).
import type { Command } from './context.ts';
import { parseFilterList } from '../../engine/index.ts';
import { bool, list, parseFlags, type FlagDef } from './flags.ts';

const FLAGS: FlagDef[] = [
  { name: 'all', short: 'a', kind: 'bool', help: 'Remove all unused volumes, not just anonymous ones' },
  { name: 'force', short: 'f', kind: 'bool', help: 'Do not prompt for confirmation' },
  { name: 'filter', kind: 'list' },
];

const cmd: Command = {
  usage: 'berth volume prune [OPTIONS]',
  about: 'Remove unused local volumes',
  flags: FLAGS,
  async run(ctx) {
    const p = parseFlags(ctx.argv, FLAGS);
    const r = await ctx.engine().volumes.prune({ all: bool(p, 'all'), filters: parseFilterList(list(p, 'filter')) });
    ctx.out(`Deleted Volumes:\n${r.removed.map((g) => `${g}\n`).join('')}\nTotal reclaimed space: 0B\n`);
    return 0;
  },
};
export default cmd;
