// berth image prune [-a] [-f] [--filter until=…|label=…]
import { parseFilterList } from '../../engine/index.ts';
import { humanSize } from '../present/index.ts';
import type { Command } from './context.ts';
import { bool, list, parseFlags, type FlagDef } from './flags.ts';
import { needArgs, withImages } from './image-common.ts';

const flags: FlagDef[] = [
  { name: 'all', short: 'a', kind: 'bool', help: 'Remove all unused images, not just dangling ones' },
  { name: 'force', short: 'f', kind: 'bool', help: 'Do not prompt for confirmation (berth never prompts)' },
  { name: 'filter', kind: 'list', help: 'Provide filter values (until=<timestamp|duration>, label=k[=v])' },
];

const cmd: Command = {
  usage: 'berth image prune [OPTIONS]',
  about: 'Remove unused images',
  flags,
  async run(ctx) {
    const p = parseFlags(ctx.argv, flags);
    needArgs(p.args, 'image prune', 0);
    return withImages(ctx, async (images) => {
      const r = await images.prune({ all: bool(p, 'all'), filters: parseFilterList(list(p, 'filter')) });
      if (r.events.length) {
        ctx.out('Deleted Images:\n' + r.events.map((e) => ('untagged' in e ? `untagged: ${e.untagged}\n` : `deleted: ${e.deleted}\n`)).join('') + '\n');
      }
      ctx.out(`Total reclaimed space: ${humanSize(r.spaceReclaimed)}\n`);
      return 0;
    });
  },
};
export default cmd;
