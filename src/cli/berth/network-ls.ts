// berth network ls [-q] [--format json|TPL]
import { parseFilterList } from '../../engine/index.ts';
import type { Command } from './context.ts';
import { bool, list, parseFlags, str, type FlagDef } from './flags.ts';
import { renderTemplate, table } from './present.ts';

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
    else if (fmt === 'json') ctx.out(rows.map((r) => `${JSON.stringify(r)}\n`).join(''));
    else if (fmt) ctx.out(rows.map((r) => `${renderTemplate(fmt, r)}\n`).join(''));
    else ctx.out(table([['NETWORK ID', 'NAME', 'DRIVER', 'SCOPE'], ...rows.map((r) => [r.ID, r.Name, r.Driver, r.Scope])]));
    return 0;
  },
};
export default cmd;
