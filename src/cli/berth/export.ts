// berth export [-o FILE] CONTAINER: the container's filesystem as a tar archive, as docker
// export does (engine.containers.export).
import { pipeline } from 'node:stream/promises';
import { isatty } from 'node:tty';
import type { Command } from './context.ts';
import { FlagError, parseFlags, str, type FlagDef } from './flags.ts';

const FLAGS: FlagDef[] = [{ name: 'output', short: 'o', kind: 'string', help: 'Write to a file, instead of STDOUT' }];

const cmd: Command = {
  usage: 'berth export [OPTIONS] CONTAINER',
  about: "Export a container's filesystem as a tar archive",
  flags: FLAGS,
  async run(ctx) {
    const p = parseFlags(ctx.argv, FLAGS);
    if (p.args.length !== 1) throw new FlagError('requires exactly 1 argument');
    const out = str(p, 'output');
    if (!out && isatty(1)) throw new FlagError('cowardly refusing to save to a terminal. Use the -o flag or redirect');
    const x = ctx.engine().containers.export(p.args[0], out);
    if (x.stream) await pipeline(x.stream, process.stdout, { end: false });
    await x.done;
    return 0;
  },
};
export default cmd;
