// berth ps [-a] [-q] [-n N] [-l] [--no-trunc] [--filter K=V]... [--format TPL|json|table]
import { parseFilterList } from '../../engine/query.ts';
import { bool, FlagError, list, parseFlags, str, type FlagDef } from './flags.ts';
import type { Command } from './context.ts';
import { commandText, psRow, PS_HEADERS, PS_TABLE, shortCommand, sizeText } from './present.ts';
import { formatItems } from '../present/index.ts';

const FLAGS: FlagDef[] = [
  { name: 'all', short: 'a', kind: 'bool', help: 'Show all containers (default shows just running)' },
  { name: 'quiet', short: 'q', kind: 'bool', help: 'Only display container IDs' },
  { name: 'filter', short: 'f', kind: 'list', help: 'Filter output based on conditions provided (id, name, label, status, exited, ancestor, network, volume, before, since, health, is-task, publish, expose, pod)' },
  { name: 'format', kind: 'string', help: "Format output using a template ('json', 'table' or a Go-style template)" },
  { name: 'last', short: 'n', kind: 'string', help: 'Show n last created containers (includes all states)' },
  { name: 'latest', short: 'l', kind: 'bool', help: 'Show the latest created container (includes all states)' },
  { name: 'no-trunc', kind: 'bool', help: "Don't truncate output" },
  { name: 'size', short: 's', kind: 'bool', help: 'Display total file sizes' },
  { name: 'pod', kind: 'bool', help: 'Show the pod of each container (POD ID and PODNAME columns)' },
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
    const recs = ctx.query().containers.list({ all: bool(p, 'all'), filters: parseFilterList(list(p, 'filter')), ...(last !== undefined ? { last } : {}) });
    const noTrunc = bool(p, 'no-trunc');
    const rows = recs.map((r): Record<string, string> => (noTrunc ? { ...psRow(r), ID: r.id, Command: JSON.stringify(commandText(r)) } : { ...psRow(r), Command: shortCommand(r) }));
    if (bool(p, 'quiet')) { ctx.out(rows.map((r) => `${r.ID}\n`).join('')); return 0; }
    // Sizes are measured (the engine's du): with -s, or a format that shows them, as docker's CLI.
    const withSize = bool(p, 'size') || (str(p, 'format') ?? '').includes('.Size');
    if (withSize) {
      const sizes = await ctx.engine().containers.sizes(recs);
      rows.forEach((row, i) => { const s = sizes.get(recs[i].id); if (s) row.Size = sizeText(s.rw, s.rootFs); });
    }
    const table = bool(p, 'size') ? `${PS_TABLE}\t{{.Size}}` : PS_TABLE;
    if (bool(p, 'pod')) {
      // podman's ps --pod: two more columns with the pod of each container.
      const withPod = rows.map((r, i) => ({ ...r, Pod: recs[i].config.pod ? (noTrunc ? recs[i].config.pod!.podId : recs[i].config.pod!.podId.slice(0, 12)) : '' }));
      ctx.out(formatItems(withPod, str(p, 'format'), `${table}\t{{.Pod}}\t{{.PodName}}`, { ...PS_HEADERS, Pod: 'POD ID', PodName: 'PODNAME' }));
      return 0;
    }
    ctx.out(formatItems(rows, str(p, 'format'), table, PS_HEADERS));
    return 0;
  },
};
export default cmd;
