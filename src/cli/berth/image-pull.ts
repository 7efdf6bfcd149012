// berth pull [--platform P] [-q] [-a] NAME[:TAG|@DIGEST]
import type { Command } from './context.ts';
import { bool, parseFlags, str, type FlagDef } from './flags.ts';
import { needArgs, withImages } from './image-common.ts';
import { progressFor } from './image-progress.ts';

const flags: FlagDef[] = [
  { name: 'all-tags', short: 'a', kind: 'bool', help: 'Download all tagged images in the repository' },
  { name: 'platform', kind: 'string', help: 'Set platform if server is multi-platform capable (os/arch[/variant])' },
  { name: 'quiet', short: 'q', kind: 'bool', help: 'Suppress verbose output' },
  { name: 'disable-content-trust', kind: 'bool', help: 'Accepted for compatibility (no content trust)' },
  { name: 'no-unpack', kind: 'bool', help: 'Only download: leave unpacking the layers to the first container (berth extension)' },
];

const cmd: Command = {
  usage: 'berth pull [OPTIONS] NAME[:TAG|@DIGEST]',
  about: 'Download an image from a registry',
  flags,
  async run(ctx) {
    const p = parseFlags(ctx.argv, flags);
    needArgs(p.args, 'pull', 1);
    const quiet = bool(p, 'quiet');
    return withImages(ctx, async (images) => {
      const all = bool(p, 'all-tags');
      const pulled = await images.pull(p.args[0], { platform: str(p, 'platform'), allTags: all, progress: progressFor(quiet), unpack: !bool(p, 'no-unpack') });
      if (all) ctx.out(quiet ? '' : `All tags pulled for ${p.args[0]}\n`);
      for (const r of pulled) ctx.out(`${r.reference}\n`);
      return 0;
    });
  },
};
export default cmd;
