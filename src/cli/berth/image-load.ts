// berth load [-i FILE|DIR] [-q]: docker-archive or OCI layout (tar, compressed tar, directory);
// without -i the archive is read from stdin.
import { createWriteStream, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Command } from './context.ts';
import { bool, parseFlags, str, type FlagDef } from './flags.ts';
import { needArgs, withImages } from './image-common.ts';

const flags: FlagDef[] = [
  { name: 'input', short: 'i', kind: 'string', help: 'Read from tar archive file (or OCI layout directory), instead of STDIN' },
  { name: 'quiet', short: 'q', kind: 'bool', help: 'Suppress the load output' },
  { name: 'platform', kind: 'string', help: 'Accepted for compatibility' },
];

const cmd: Command = {
  usage: 'berth load [OPTIONS]',
  about: 'Load an image from a tar archive or STDIN',
  flags,
  async run(ctx) {
    const p = parseFlags(ctx.argv, flags);
    needArgs(p.args, 'load', 0);
    const input = str(p, 'input');
    return withImages(ctx, async (images) => {
      let source = input;
      let tmp: string | undefined;
      if (!source) {
        if (process.stdin.isTTY) throw new Error('requested load from stdin, but stdin is empty');
        tmp = join(images.tmpDir(), `load-${process.pid}.tar`);
        await pipeline(process.stdin, createWriteStream(tmp));
        source = tmp;
      }
      try {
        const loaded = await images.load(source);
        if (!bool(p, 'quiet')) ctx.out(loaded.messages.map((l) => `${l}\n`).join(''));
      } finally {
        if (tmp) rmSync(tmp, { force: true });
      }
      return 0;
    });
  },
};
export default cmd;
