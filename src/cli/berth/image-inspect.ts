// berth image inspect [-f FORMAT] IMAGE [IMAGE...]
import { execute, parseTemplate } from '../present/index.ts';
import type { Command } from './context.ts';
import { parseFlags, str, type FlagDef } from './flags.ts';
import { fail, needArgs, withImageQueries } from './image-common.ts';

const flags: FlagDef[] = [
  { name: 'format', short: 'f', kind: 'string', help: "Format output using a custom template: 'json' or a Go template" },
];

const cmd: Command = {
  usage: 'berth image inspect [OPTIONS] IMAGE [IMAGE...]',
  about: 'Display detailed information on one or more images',
  flags,
  async run(ctx) {
    const p = parseFlags(ctx.argv, flags);
    needArgs(p.args, 'image inspect', 1, Infinity);
    const format = str(p, 'format');
    const pieces = format && format !== 'json' ? parseTemplate(format) : undefined;
    return withImageQueries(ctx, async (images) => {
      const found: object[] = [];
      let status = 0;
      for (const ref of p.args) {
        try { found.push(await images.inspect(ref)); } catch (e) {
          // docker prints what it found, then the errors, and exits 1
          status = 1;
          const msg = e instanceof Error ? e.message : String(e);
          if (pieces) { fail(ctx, e); continue; }
          ctx.err(`Error: ${msg}\n`);
        }
      }
      if (pieces) ctx.out(found.map((i) => execute(pieces, i) + '\n').join(''));
      else ctx.out(JSON.stringify(found, null, 4) + '\n');
      return status;
    });
  },
};
export default cmd;
