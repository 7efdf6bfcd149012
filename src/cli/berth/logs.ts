// berth logs [-f] [--tail N|all] [--since T] [--until T] [-t] CONTAINER
import { formatEntry, parseSince } from '../../engine/index.ts';
import { bool, FlagError, parseFlags, str, type FlagDef } from './flags.ts';
import type { Command } from './context.ts';

const FLAGS: FlagDef[] = [
  { name: 'follow', short: 'f', kind: 'bool', help: 'Follow log output' },
  { name: 'tail', short: 'n', kind: 'string', help: 'Number of lines to show from the end of the logs (default "all")' },
  { name: 'since', kind: 'string', help: 'Show logs since timestamp (e.g. 2013-01-02T13:23:37Z) or relative (e.g. 42m)' },
  { name: 'until', kind: 'string', help: 'Show logs before a timestamp or relative time' },
  { name: 'timestamps', short: 't', kind: 'bool', help: 'Show timestamps' },
  { name: 'details', kind: 'bool', help: 'Show extra details (none are recorded)' },
];

const cmd: Command = {
  usage: 'berth logs [OPTIONS] CONTAINER',
  about: 'Fetch the logs of a container',
  flags: FLAGS,
  async run(ctx) {
    const p = parseFlags(ctx.argv, FLAGS);
    if (p.args.length !== 1) throw new FlagError('requires exactly 1 argument');
    const tailS = str(p, 'tail');
    let tail: number | undefined;
    if (tailS !== undefined && tailS !== 'all') {
      if (!/^-?\d+$/.test(tailS)) throw new FlagError(`invalid value for "tail": ${tailS}`);
      tail = Number(tailS) < 0 ? undefined : Number(tailS);
    }
    const since = str(p, 'since'), until = str(p, 'until');
    const ts = bool(p, 'timestamps');
    let atStart = true;
    for await (const e of ctx.engine().containers.logs(p.args[0], {
      follow: bool(p, 'follow'), ...(tail !== undefined ? { tail } : {}),
      ...(since ? { sinceNs: parseSince(since) } : {}), ...(until ? { untilNs: parseSince(until) } : {}),
    })) {
      const text = formatEntry(e, ts, atStart);
      atStart = !e.partial;
      if (e.stream === 'stderr') process.stderr.write(text); else process.stdout.write(text);
    }
    return 0;
  },
};
export default cmd;
