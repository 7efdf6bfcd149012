// berth system df: disk used by images, containers, volumes and the build cache (engine.system.df).
import type { Command } from './context.ts';
import { parseFlags, str, type FlagDef } from './flags.ts';
import { formatItems, humanSize } from '../present/index.ts';

const FLAGS: FlagDef[] = [{ name: 'format', kind: 'string', help: "'json' or a template" }, { name: 'verbose', short: 'v', kind: 'bool' }];

const cmd: Command = {
  usage: 'berth system df [OPTIONS]',
  about: 'Show berth disk usage',
  flags: FLAGS,
  async run(ctx) {
    const p = parseFlags(ctx.argv, FLAGS);
    const df = await ctx.engine().system.df();
    const rows = ([['Images', df.images], ['Containers', df.containers], ['Local Volumes', df.volumes], ['Build Cache', df.buildCache]] as const)
      .map(([Type, u]) => ({ Type, TotalCount: String(u.total), Active: String(u.active), Size: humanSize(u.size) }));
    const fmt = str(p, 'format');
    ctx.out(formatItems(rows, fmt, '{{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}', { Type: 'TYPE', TotalCount: 'TOTAL', Active: 'ACTIVE', Size: 'SIZE' }));
    return 0;
  },
};
export default cmd;
