import { bool, expectArgs, parseArgs, str, UsageError } from '../args.ts';
import { statsEvent, watchEvents } from '../../runtime/ops/events.ts';
import type { CommandContext } from './context.ts';

export const usage = `NAME:
   berth-runtime events - display container events such as OOM notifications, cpu, memory, and IO usage statistics

USAGE:
   berth-runtime events [command options] <container-id>

OPTIONS:
   --interval value  set the stats collection interval (default: 5s)
   --stats           display the container's stats then exit
`;

/** Go durations as runc takes them: "5s", "500ms", "1m30s". */
export function parseDuration(s: string): number {
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  const scale: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  let m: RegExpExecArray | null;
  let end = 0;
  while ((m = re.exec(s))) { total += Number(m[1]) * scale[m[2]]; end = re.lastIndex; }
  if (!s || end !== s.length || total <= 0) throw new UsageError(`invalid value "${s}" for flag -interval: must be a positive duration such as 5s or 500ms`);
  return total;
}

export async function main(ctx: CommandContext, argv: string[]): Promise<number> {
  const p = parseArgs(argv, [{ name: 'interval', type: 'string' }, { name: 'stats', type: 'bool' }]);
  expectArgs(p, 'events', 1);
  const id = p.args[0];
  if (bool(p, 'stats')) {
    process.stdout.write(`${JSON.stringify(statsEvent(ctx.root, id))}\n`);
    return 0;
  }
  const ac = new AbortController();
  const stop = () => ac.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await watchEvents(ctx.root, id, { intervalMs: parseDuration(str(p, 'interval') ?? '5s'), signal: ac.signal }, (e) => {
    process.stdout.write(`${JSON.stringify(e)}\n`);
  });
  return 0;
}
