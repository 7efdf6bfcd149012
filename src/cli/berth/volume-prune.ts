// berth volume prune [-a] [-f]: removes unused anonymous volumes (every unused one with -a).
import type { Command } from './context.ts';
import { bool, parseFlags, type FlagDef } from './flags.ts';

const FLAGS: FlagDef[] = [
  { name: 'all', short: 'a', kind: 'bool', help: 'Remove all unused volumes, not just anonymous ones' },
  { name: 'force', short: 'f', kind: 'bool', help: 'Do not prompt for confirmation' },
  { name: 'filter', kind: 'list' },
];

const cmd: Command = {
  usage: 'berth volume prune [OPTIONS]',
  about: 'Remove unused local volumes',
  flags: FLAGS,
  async run(ctx) {
    const p = parseFlags(ctx.argv, FLAGS);
    const engine = ctx.engine();
    const gone: string[] = [];
    for (const v of engine.store.volumes()) {
      if (!v.anonymous && !bool(p, 'all')) continue;
      if (engine.volumeUsers(v.name).length) continue;
      await engine.removeVolume(v.name);
      gone.push(v.name);
    }
    ctx.out(`Deleted Volumes:\n${gone.map((g) => `${g}\n`).join('')}\nTotal reclaimed space: 0B\n`);
    return 0;
  },
};
export default cmd;
