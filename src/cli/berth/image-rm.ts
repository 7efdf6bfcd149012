// berth rmi / berth image rm [-f] IMAGE [IMAGE...]
import type { Command } from './context.ts';
import { bool, parseFlags, type FlagDef } from './flags.ts';
import { fail, needArgs, withImages } from './image-common.ts';

const flags: FlagDef[] = [
  { name: 'force', short: 'f', kind: 'bool', help: 'Force removal of the image' },
  { name: 'no-prune', kind: 'bool', help: 'Accepted for compatibility (berth has no untagged parents)' },
];

const cmd: Command = {
  usage: 'berth rmi [OPTIONS] IMAGE [IMAGE...]',
  about: 'Remove one or more images',
  flags,
  async run(ctx) {
    const p = parseFlags(ctx.argv, flags);
    needArgs(p.args, 'rmi', 1, Infinity);
    return withImages(ctx, async (images) => {
      let status = 0;
      // like docker: every argument is tried; any failure makes the exit status 1
      for (const ref of p.args) {
        try {
          const r = await images.remove(ref, { force: bool(p, 'force') });
          for (const e of r.events) ctx.out('untagged' in e ? `Untagged: ${e.untagged}\n` : `Deleted: ${e.deleted}\n`);
        } catch (e) {
          status = fail(ctx, e);
        }
      }
      return status;
    });
  },
};
export default cmd;
