// berth network ls [-q] [--format json|TPL]
import { parseFilterList } from '../../engine/index.ts';
import type { Command } from './context.ts';
import { bool, list, parseFlags, str, type FlagDef } from './flags.ts';
import { formatItems } from '../present/index.ts';

const FLAGS: FlagDef[] = [
  { name: 'quiet', short: 'q', kind: 'bool', help: 'Only display network IDs' },
  { name: 'format', kind: 'string', help: "'json' or a template" },
  { name: 'no-trunc', kind: 'bool', help: 'Do not truncate the output' },
  { name: 'filter', short: 'f', kind: 'list', help: 'Provide filter values (name=, id=, label=, driver=, type=custom|builtin, dangling=)' },
];

const cmd: Command = {
  usage: 'berth network ls [OPTIONS]',
  about: 'List networks',
  flags: FLAGS,
  async run(ctx) {
    const p = parseFlags(ctx.argv, FLAGS);
    const nets = await ctx.engine().networks.list(parseFilterList(list(p, 'filter')));
    const rows = nets.map((n) => ({ ID: bool(p, 'no-trunc') ? n.id : n.id.slice(0, 12), Name: n.name, Driver: n.driver, Scope: 'local', Subnet: n.subnet, Gateway: n.gateway, Internal: String(n.internal) }));
    const fmt = str(p, 'format');
    if (bool(p, 'quiet')) ctx.out(rows.map((r) => `${r.ID}\n`).join(''));
    else ctx.out(formatItems(rows, fmt, '{{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}', { ID: 'NETWORK ID', Name: 'NAME', Driver: 'DRIVER', Scope: 'SCOPE', Subnet: 'SUBNET', Gateway: 'GATEWAY', Internal: 'INTERNAL' }));
    return 0;
  },
};
export default cmd;
