import { execFileSync } from 'node:child_process';
import { parseArgs, str, UsageError } from '../args.ts';
import { containerPids, filterPsTable } from '../../runtime/ops/index.ts';
import type { CommandContext } from './context.ts';

export const usage = `NAME:
   berth-runtime ps - ps displays the processes running inside a container

USAGE:
   berth-runtime ps [command options] <container-id> [ps options]

OPTIONS:
   --format value, -f value  select one of: table or json (default: "table")
`;

export async function main(ctx: CommandContext, argv: string[]): Promise<number> {
  const p = parseArgs(argv, [{ name: 'format', aliases: ['f'], type: 'string' }], { stopAtFirstArg: true });
  const [id, ...psArgs] = p.args;
  if (!id) throw new UsageError('"ps" requires at least 1 argument(s)');
  const format = str(p, 'format') ?? 'table';
  if (format !== 'table' && format !== 'json') throw new UsageError(`invalid format option: ${format}`);
  const pids = containerPids(ctx.root, id);
  if (format === 'json') {
    process.stdout.write(`${JSON.stringify(pids)}\n`);
    return 0;
  }
  const out = execFileSync('ps', psArgs.length ? psArgs : ['-ef'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  process.stdout.write(filterPsTable(out, pids));
  return 0;
}
