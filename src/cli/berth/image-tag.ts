// berth tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]
import type { Command } from './context.ts';
import { parseFlags } from './flags.ts';
import { needArgs, withImages } from './image-common.ts';

const cmd: Command = {
  usage: 'berth tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]',
  about: 'Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE',
  flags: [],
  async run(ctx) {
    const p = parseFlags(ctx.argv, []);
    needArgs(p.args, 'tag', 2);
    return withImages(ctx, async (images) => {
      await images.tag(p.args[0], p.args[1]);
      return 0;
    });
  },
};
export default cmd;
