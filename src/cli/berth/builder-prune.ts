// berth builder prune [-a] [-f]: forget the build cache (records; with -a the cache mounts too) and
// free the layers nothing else uses.
import { humanSize } from '../present/index.ts';
import type { Command } from './context.ts';
import { bool, parseFlags, type FlagDef } from './flags.ts';

const FLAGS: FlagDef[] = [
  { name: 'all', short: 'a', kind: 'bool', help: 'Remove all build cache, including the contents of cache mounts' },
  { name: 'force', short: 'f', kind: 'bool', help: 'Do not prompt for confirmation' },
];

const cmd: Command = {
  usage: 'berth builder prune [OPTIONS]',
  about: 'Remove build cache',
  flags: FLAGS,
  async run(ctx) {
    const p = parseFlags(ctx.argv, FLAGS);
    const r = await ctx.engine().build().cache.prune({ all: bool(p, 'all') });
    ctx.out(`Deleted build cache records: ${r.records}\nTotal:\t${humanSize(r.bytesFreed)}\n`);
    return 0;
  },
};
export default cmd;
