// berth save [-o FILE] [--format docker-archive|oci-archive|oci-dir] IMAGE [IMAGE...]
// Without -o the archive goes to stdout (refused when stdout is a terminal, as docker does).
import { createReadStream, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Command } from './context.ts';
import { parseFlags, str, type FlagDef } from './flags.ts';
import { needArgs, withImages } from './image-common.ts';

const flags: FlagDef[] = [
  { name: 'output', short: 'o', kind: 'string', help: 'Write to a file (a directory for oci-dir), instead of STDOUT' },
  { name: 'format', kind: 'string', help: 'Archive format: docker-archive (default), oci-archive, oci-dir (berth extension)' },
  { name: 'platform', kind: 'string', help: 'Accepted for compatibility (berth stores one platform per name)' },
];

const cmd: Command = {
  usage: 'berth save [OPTIONS] IMAGE [IMAGE...]',
  about: 'Save one or more images to a tar archive (streamed to STDOUT by default)',
  flags,
  async run(ctx) {
    const p = parseFlags(ctx.argv, flags);
    needArgs(p.args, 'save', 1, Infinity);
    const format = str(p, 'format');
    const output = str(p, 'output');
    return withImages(ctx, async (images) => {
      if (output) {
        await images.save(p.args, output, format);
        return 0;
      }
      if (format === 'oci-dir') throw new Error('--format oci-dir needs -o DIRECTORY');
      if (process.stdout.isTTY) throw new Error('cowardly refusing to save to a terminal. Use the -o flag or redirect');
      // the archive writers want a path: write into the store's tmp dir, then stream it out
      const tmp = join(images.tmpDir(), `save-${process.pid}.tar`);
      try {
        await images.save(p.args, tmp, format);
        await pipeline(createReadStream(tmp), process.stdout, { end: false });
      } finally {
        rmSync(tmp, { force: true });
      }
      return 0;
    });
  },
};
export default cmd;
