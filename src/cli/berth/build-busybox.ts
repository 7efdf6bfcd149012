// berth image build-busybox [NAME]: the built-in image from the host's busybox-static (no
// network). `run busybox` does this by itself when the image is missing.
import { buildBusyboxImage, BUILTIN_BUSYBOX } from '../../engine/index.ts';
import type { Command } from './context.ts';
import { parseFlags } from './flags.ts';

const cmd: Command = {
  usage: 'berth image build-busybox [NAME]',
  about: "Create the built-in busybox image from the host's busybox-static",
  async run(ctx) {
    const p = parseFlags(ctx.argv, []);
    const rec = await buildBusyboxImage(ctx.engine().paths.root, p.args[0] ?? BUILTIN_BUSYBOX);
    ctx.out(`${rec.name} ${rec.configDigest}\n`);
    return 0;
  },
};
export default cmd;
