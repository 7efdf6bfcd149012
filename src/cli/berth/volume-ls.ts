// berth volume ls [-q] [--format json|TPL] [--filter dangling=true|name=…]
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
    const engine = ctx.engine();
    let vols = engine.store.volumes();
    for (const f of list(p, 'filter')) {
      const [k, v = ''] = f.split('=');
      if (k === 'dangling') vols = vols.filter((x) => (engine.volumeUsers(x.name).length === 0) === (v === 'true' || v === '1'));
      else if (k === 'name') vols = vols.filter((x) => x.name.includes(v));
      else if (k === 'label') vols = vols.filter((x) => v in x.labels);
    }
    const rows = vols.map((v) => ({ Driver: v.driver, Name: v.name, Mountpoint: v.mountpoint, Scope: 'local', Labels: Object.entries(v.labels).map(([k, x]) => `${k}=${x}`).join(',') }));
    const fmt = str(p, 'format');
    if (bool(p, 'quiet')) ctx.out(rows.map((r) => `${r.Name}\n`).join(''));
    else ctx.out(formatItems(rows, fmt, '{{.Driver}}\t{{.Name}}', { Driver: 'DRIVER', Name: 'VOLUME NAME', Mountpoint: 'MOUNTPOINT', Scope: 'SCOPE', Labels: 'LABELS' }));
    return 0;
  },
};
export default cmd;
