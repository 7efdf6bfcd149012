import { bool, expectArgs, parseArgs, str, UsageError } from '../args.ts';
import { listContainers } from '../../runtime/container.ts';
import type { CommandContext } from './context.ts';
import { writeOut } from '../stdio.ts';
import { layoutTable } from '../present/table.ts';

export const usage = `NAME:
   berth-runtime list - lists containers started by berth-runtime with the given root

USAGE:
   berth-runtime list [command options]

OPTIONS:
   --format value, -f value  select one of: table or json (default: "table")
   --quiet, -q               display only container IDs
`;

/** Columns laid out as Go's tabwriter does for runc (minwidth 12, padding 3, spaces). */
export function table(rows: string[][]): string {
  return layoutTable(rows, { minWidth: 12 });
}

export async function main(ctx: CommandContext, argv: string[]): Promise<number> {
  const p = parseArgs(argv, [
    { name: 'format', aliases: ['f'], type: 'string' },
    { name: 'quiet', aliases: ['q'], type: 'bool' },
  ]);
  expectArgs(p, 'list', 0);
  const format = str(p, 'format') ?? 'table';
  if (format !== 'table' && format !== 'json') throw new UsageError(`invalid format option: ${format}`);
  const all = listContainers(ctx.root);
  if (bool(p, 'quiet')) {
    writeOut(all.map((c) => `${c.id}\n`).join(''));
    return 0;
  }
  if (format === 'json') {
    // runc encodes a nil slice when there are no containers: "null".
    const out = all.map(({ ownerName, ...s }) => ({ ...s, owner: ownerName }));
    writeOut(`${JSON.stringify(out.length ? out : null)}\n`);
    return 0;
  }
  const rows = [['ID', 'PID', 'STATUS', 'BUNDLE', 'CREATED', 'OWNER'],
    ...all.map((c) => [c.id, String(c.pid), c.status, c.bundle, c.created, c.ownerName])];
  writeOut(table(rows));
  return 0;
}
