// berth volume inspect NAME...
import type { Command } from './context.ts';
import { FlagError, parseFlags, str, type FlagDef } from './flags.ts';
import { formatDocs } from '../present/index.ts';

const FLAGS: FlagDef[] = [{ name: 'format', short: 'f', kind: 'string', help: 'Format the output using a template' }];

const cmd: Command = {
  usage: 'berth volume inspect [OPTIONS] VOLUME [VOLUME...]',
  about: 'Display detailed information on one or more volumes',
  flags: FLAGS,
  async run(ctx) {
    const p = parseFlags(ctx.argv, FLAGS);
    if (!p.args.length) throw new FlagError('requires at least 1 argument');
    const docs = p.args.map((n) => {
      const v = ctx.engine().volumes.inspect(n);
      return { CreatedAt: v.created, Driver: v.driver, Labels: v.labels, Mountpoint: v.mountpoint, Name: v.name, Options: {}, Scope: 'local' };
    });
    const fmt = str(p, 'format');
    ctx.out(formatDocs(docs, fmt));
    return 0;
  },
};
export default cmd;
