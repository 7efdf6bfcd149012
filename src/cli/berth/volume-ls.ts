// berth volume ls [-q] [--format json|TPL] [--filter dangling=true|name=…]
import { parseFilterList } from '../../engine/index.ts';
import type { Command } from './context.ts';
import { bool, parseFlags, str, list, type FlagDef } from './flags.ts';
import { formatItems } from '../present/index.ts';

const FLAGS: FlagDef[] = [
  { name: 'quiet', short: 'q', kind: 'bool', help: 'Only display volume names' },
  { name: 'format', kind: 'string', help: "'json' or a template" },
  { name: 'filter', short: 'f', kind: 'list', help: 'Provide filter values (dangling=true|false, name=…, label=…)' },
];

const cmd: Command = {
  usage: 'berth volume ls [OPTIONS]',
  about: 'List volumes',
  flags: FLAGS,
  async run(ctx) {
    const p = parseFlags(ctx.argv, FLAGS);
    const vols = ctx.engine().volumes.list(parseFilterList(list(p, 'filter')));
    const rows = vols.map((v) => ({ Driver: v.driver, Name: v.name, Mountpoint: v.mountpoint, Scope: 'local', Labels: Object.entries(v.labels).map(([k, x]) => `${k}=${x}`).join(',') }));
    const fmt = str(p, 'format');
    if (bool(p, 'quiet')) ctx.out(rows.map((r) => `${r.Name}\n`).join(''));
    else ctx.out(formatItems(rows, fmt, '{{.Driver}}\t{{.Name}}', { Driver: 'DRIVER', Name: 'VOLUME NAME', Mountpoint: 'MOUNTPOINT', Scope: 'SCOPE', Labels: 'LABELS' }));
    return 0;
  },
};
export default cmd;
