// berth push [-q] NAME[:TAG]
import type { Command } from './context.ts';
import { bool, parseFlags, type FlagDef } from './flags.ts';
import { needArgs, withImages } from './image-common.ts';
import { progressFor } from './image-progress.ts';

const flags: FlagDef[] = [
  { name: 'quiet', short: 'q', kind: 'bool', help: 'Suppress verbose output' },
  { name: 'all-tags', short: 'a', kind: 'bool', help: 'Push all tags of the repository' },
  { name: 'disable-content-trust', kind: 'bool', help: 'Accepted for compatibility (no content trust)' },
];

const cmd: Command = {
  usage: 'berth push [OPTIONS] NAME[:TAG]',
  about: 'Upload an image to a registry',
  flags,
  async run(ctx) {
    const p = parseFlags(ctx.argv, flags);
    needArgs(p.args, 'push', 1);
    const quiet = bool(p, 'quiet');
    return withImages(ctx, async (images) => {
      let refs = [p.args[0]];
      if (bool(p, 'all-tags')) {
        const rows = await images.list({ reference: p.args[0] });
        refs = [...new Set(rows.filter((r) => r.tag !== '<none>').map((r) => `${r.repository}:${r.tag}`))];
      }
      for (const ref of refs) {
        const r = await images.push(ref, { progress: progressFor(quiet) });
        if (quiet) ctx.out(`${r.reference}\n`);
      }
      return 0;
    });
  },
};
export default cmd;
