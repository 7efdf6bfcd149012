// berth container prune [-f]: removes every container that is not running.
import type { Command } from './context.ts';
import { parseFlags, type FlagDef } from './flags.ts';

const FLAGS: FlagDef[] = [{ name: 'force', short: 'f', kind: 'bool', help: 'Do not prompt for confirmation' }, { name: 'filter', kind: 'list' }];

const cmd: Command = {
  usage: 'berth container prune [OPTIONS]',
  about: 'Remove all stopped containers',
  flags: FLAGS,
  async run(ctx) {
    parseFlags(ctx.argv, FLAGS);
    const engine = ctx.engine();
    const gone: string[] = [];
    for (const r of engine.list(true)) {
      if (r.state.status === 'running') continue;
      try { await engine.remove(r.id, {}); gone.push(r.id); } catch (e) { ctx.err(`${(e as Error).message}\n`); }
    }
    ctx.out(`Deleted Containers:\n${gone.map((g) => `${g}\n`).join('')}\nTotal reclaimed space: 0B\n`);
    return 0;
  },
};
export default cmd;
