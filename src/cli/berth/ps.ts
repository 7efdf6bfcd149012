// berth ps [-a] [-q] [-n N] [-l] [--no-trunc] [--filter K=V]... [--format TPL|json|table]
import { parseFilterList } from '../../engine/index.ts';
import { bool, FlagError, list, parseFlags, str, type FlagDef } from './flags.ts';
import type { Command } from './context.ts';
import { commandText, psRow, renderTemplate, table } from './present.ts';

const FLAGS: FlagDef[] = [
  { name: 'all', short: 'a', kind: 'bool', help: 'Show all containers (default shows just running)' },
  { name: 'quiet', short: 'q', kind: 'bool', help: 'Only display container IDs' },
  { name: 'filter', short: 'f', kind: 'list', help: 'Filter output based on conditions provided (id, name, label, status, exited, ancestor, network, volume, before, since, health, is-task, publish, expose)' },
  { name: 'format', kind: 'string', help: "Format output using a template ('json', 'table' or a Go-style template)" },
  { name: 'last', short: 'n', kind: 'string', help: 'Show n last created containers (includes all states)' },
  { name: 'latest', short: 'l', kind: 'bool', help: 'Show the latest created container (includes all states)' },
  { name: 'no-trunc', kind: 'bool', help: "Don't truncate output" },
  { name: 'size', short: 's', kind: 'bool', help: 'Display total file sizes (not computed: 0B)' },
];

const cmd: Command = {
  usage: 'berth ps [OPTIONS]',
  about: 'List containers',
  flags: FLAGS,
  async run(ctx) {
    const p = parseFlags(ctx.argv, FLAGS);
    const lastS = str(p, 'last');
    if (lastS !== undefined && !/^-?\d+$/.test(lastS)) throw new FlagError(`invalid argument "${lastS}" for "-n, --last" flag`);
    const last = lastS !== undefined ? Number(lastS) : bool(p, 'latest') ? 1 : undefined;
    const recs = ctx.engine().containers.list({ all: bool(p, 'all'), filters: parseFilterList(list(p, 'filter')), ...(last !== undefined ? { last } : {}) });
    const noTrunc = bool(p, 'no-trunc');
    const rows = recs.map((r): Record<string, string> => (noTrunc ? { ...psRow(r), ID: r.id, Command: JSON.stringify(commandText(r)) } : psRow(r)));
    if (bool(p, 'quiet')) { ctx.out(rows.map((r) => `${r.ID}\n`).join('')); return 0; }
    const fmt = str(p, 'format');
    if (fmt === 'json' || fmt === '{{json .}}') { ctx.out(rows.map((r) => `${JSON.stringify(r)}\n`).join('')); return 0; }
    if (fmt && !fmt.startsWith('table')) { ctx.out(rows.map((r) => `${renderTemplate(fmt, r)}\n`).join('')); return 0; }
    const trunc = (s: string, n: number) => (noTrunc || s.length <= n ? s : `${s.slice(0, n - 1)}…`);
    ctx.out(table([
      ['CONTAINER ID', 'IMAGE', 'COMMAND', 'CREATED', 'STATUS', 'PORTS', 'NAMES'],
      ...rows.map((r) => [r.ID, r.Image, trunc(r.Command, 22), r.RunningFor, r.Status, r.Ports, r.Names]),
    ]));
    return 0;
  },
};
export default cmd;
