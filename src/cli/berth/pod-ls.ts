// berth pod ls [-q] [--no-trunc] [--filter K=V]... [--format json|TPL] (podman's pod ps).
import type { PodRecord } from '../../engine/index.ts';
import type { Command } from './context.ts';
import { bool, FlagError, list, parseFlags, str, type FlagDef } from './flags.ts';
import { formatItems, humanDuration } from '../present/index.ts';

const FLAGS: FlagDef[] = [
  { name: 'quiet', short: 'q', kind: 'bool', help: 'Only display pod IDs' },
  { name: 'no-trunc', kind: 'bool', help: 'Do not truncate pod IDs' },
  { name: 'filter', short: 'f', kind: 'list', help: 'Filter pods (id, name, status, label)' },
  { name: 'format', kind: 'string', help: "'json' or a Go-style template" },
];

const POD_TABLE = '{{.ID}}\t{{.Name}}\t{{.Status}}\t{{.Created}}\t{{.Containers}}\t{{.IP}}';
const POD_HEADERS: Record<string, string> = { ID: 'POD ID', Name: 'NAME', Status: 'STATUS', Created: 'CREATED', Containers: '# OF CONTAINERS', IP: 'IP' };

const STATUS: Record<string, string> = { created: 'Created', running: 'Running', stopped: 'Exited' };

const cmd: Command = {
  usage: 'berth pod ls [OPTIONS]',
  about: 'List pods',
  flags: FLAGS,
  async run(ctx) {
    const p = parseFlags(ctx.argv, FLAGS);
    const filters: Record<string, string[]> = {};
    for (const f of list(p, 'filter')) {
      const i = f.indexOf('=');
      if (i < 0) throw new FlagError(`bad format of filter (expected name=value): ${f}`);
      (filters[f.slice(0, i)] ??= []).push(f.slice(i + 1));
    }
    const engine = ctx.engine();
    let pods: PodRecord[];
    try { pods = engine.pods.list(filters); } catch (e) { throw new FlagError((e as Error).message); }
    const noTrunc = bool(p, 'no-trunc');
    const rows = pods.map((x) => ({
      ID: noTrunc ? x.id : x.id.slice(0, 12), Name: x.config.name, Status: STATUS[x.state.status] ?? x.state.status,
      Created: `${humanDuration(Date.now() - Date.parse(x.created))} ago`, Containers: String(engine.pods.containers(x.id).length),
      Network: x.config.network, IP: x.state.ips[0] ?? '', Labels: Object.entries(x.config.labels).map(([k, v]) => `${k}=${v}`).join(','),
    }));
    if (bool(p, 'quiet')) { ctx.out(rows.map((r) => `${r.ID}\n`).join('')); return 0; }
    ctx.out(formatItems(rows, str(p, 'format'), POD_TABLE, POD_HEADERS));
    return 0;
  },
};
export default cmd;
