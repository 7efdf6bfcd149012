// berth ps [-a] [-q] [-n N] [-l] [--no-trunc] [--filter K=V]... [--format TPL|json|table]
import type { ContainerRecord } from '../../engine/index.ts';
import { bool, FlagError, list, parseFlags, str, type FlagDef } from './flags.ts';
import type { Command } from './context.ts';
import { commandText, psRow, PS_HEADERS, PS_TABLE } from './present.ts';
import { formatItems } from '../present/index.ts';

const FLAGS: FlagDef[] = [
  { name: 'all', short: 'a', kind: 'bool', help: 'Show all containers (default shows just running)' },
  { name: 'quiet', short: 'q', kind: 'bool', help: 'Only display container IDs' },
  { name: 'filter', short: 'f', kind: 'list', help: 'Filter output based on conditions provided (id, name, label, status, exited, ancestor, network, volume)' },
  { name: 'format', kind: 'string', help: "Format output using a template ('json', 'table' or a Go-style template)" },
  { name: 'last', short: 'n', kind: 'string', help: 'Show n last created containers (includes all states)' },
  { name: 'latest', short: 'l', kind: 'bool', help: 'Show the latest created container (includes all states)' },
  { name: 'no-trunc', kind: 'bool', help: "Don't truncate output" },
  { name: 'size', short: 's', kind: 'bool', help: 'Display total file sizes (not computed: 0B)' },
];

export function matches(r: ContainerRecord, filters: string[]): boolean {
  const by = new Map<string, string[]>();
  for (const f of filters) {
    const i = f.indexOf('=');
    if (i < 0) throw new FlagError(`bad format of filter (expected name=value): ${f}`);
    const k = f.slice(0, i);
    by.set(k, [...(by.get(k) ?? []), f.slice(i + 1)]);
  }
  for (const [k, vals] of by) {
    const ok = vals.some((v) => {
      switch (k) {
        case 'id': return r.id.startsWith(v);
        case 'name': return new RegExp(v).test(r.name);
        case 'status': return v === 'paused' ? r.state.status === 'running' && !!r.state.paused
          : v === 'running' ? r.state.status === 'running' && !r.state.paused : r.state.status === v;
        case 'exited': return r.state.status === 'exited' && String(r.state.exitCode) === v;
        case 'label': { const [lk, lv] = v.split('='); return lk in r.config.labels && (lv === undefined || r.config.labels[lk] === lv); }
        case 'ancestor': return r.config.image === v || r.config.imageName === v || r.config.imageId.startsWith(v) || r.config.imageId.startsWith(`sha256:${v}`);
        case 'network': return r.config.networkMode === v || v in r.state.networks;
        case 'volume': return r.config.mounts.some((m) => m.source === v || m.target === v);
        default: throw new FlagError(`invalid filter '${k}'`);
      }
    });
    if (!ok) return false;
  }
  return true;
}

const cmd: Command = {
  usage: 'berth ps [OPTIONS]',
  about: 'List containers',
  flags: FLAGS,
  async run(ctx) {
    const p = parseFlags(ctx.argv, FLAGS);
    const last = str(p, 'last') !== undefined ? Number(str(p, 'last')) : bool(p, 'latest') ? 1 : undefined;
    let recs = ctx.engine().list(bool(p, 'all') || last !== undefined || list(p, 'filter').some((f) => f.startsWith('status=') || f.startsWith('exited=')));
    recs = recs.filter((r) => matches(r, list(p, 'filter')));
    if (last !== undefined && last >= 0) recs = recs.slice(0, last);
    const noTrunc = bool(p, 'no-trunc');
    // docker cuts the command to 20 characters (with an ellipsis) before quoting it, unless --no-trunc.
    const trunc = (s: string) => (s.length <= 20 ? s : `${s.slice(0, 19)}…`);
    const rows = recs.map((r): Record<string, string> => (noTrunc ? { ...psRow(r), ID: r.id, Command: JSON.stringify(commandText(r)) } : { ...psRow(r), Command: JSON.stringify(trunc(commandText(r))) }));
    if (bool(p, 'quiet')) { ctx.out(rows.map((r) => `${r.ID}\n`).join('')); return 0; }
    ctx.out(formatItems(rows, str(p, 'format'), PS_TABLE, PS_HEADERS));
    return 0;
  },
};
export default cmd;
