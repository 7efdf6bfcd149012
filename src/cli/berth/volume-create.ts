// berth volume create [--label K=V] [NAME]
import type { Command } from './context.ts';
import { FlagError, list, parseFlags, str, type FlagDef } from './flags.ts';

const FLAGS: FlagDef[] = [
  { name: 'label', short: 'l', kind: 'list', help: 'Set metadata for a volume' },
  { name: 'driver', short: 'd', kind: 'string', help: 'Specify volume driver name (local)' },
  { name: 'name', kind: 'string', help: 'Specify volume name' },
  { name: 'opt', short: 'o', kind: 'list', help: 'Set driver specific options (none supported)' },
];

const cmd: Command = {
  usage: 'berth volume create [OPTIONS] [VOLUME]',
  about: 'Create a volume',
  flags: FLAGS,
  async run(ctx) {
    const p = parseFlags(ctx.argv, FLAGS);
    const kv = (l: string) => { const i = l.indexOf('='); return i < 0 ? [l, ''] : [l.slice(0, i), l.slice(i + 1)]; };
    const driver = str(p, 'driver');
    const v = ctx.engine().volumes.create({
      name: p.args[0] ?? str(p, 'name'), labels: Object.fromEntries(list(p, 'label').map(kv)), options: Object.fromEntries(list(p, 'opt').map(kv)),
      ...(driver ? { driver } : {}),
    });
    ctx.out(`${v.name}\n`);
    return 0;
  },
};
export default cmd;
