// berth start [-a] [-i] CONTAINER...
import { bool, FlagError, parseFlags, type FlagDef } from './flags.ts';
import type { Command } from './context.ts';
import { forEach } from './each.ts';
import { runForeground } from './run.ts';

const FLAGS: FlagDef[] = [
  { name: 'attach', short: 'a', kind: 'bool', help: 'Attach STDOUT/STDERR and forward signals' },
  { name: 'interactive', short: 'i', kind: 'bool', help: "Attach container's STDIN" },
];

const cmd: Command = {
  usage: 'berth start [OPTIONS] CONTAINER [CONTAINER...]',
  about: 'Start one or more stopped containers',
  flags: FLAGS,
  async run(ctx) {
    const p = parseFlags(ctx.argv, FLAGS);
    if (!p.args.length) throw new FlagError('requires at least 1 argument');
    const engine = ctx.engine();
    if (bool(p, 'attach') || bool(p, 'interactive')) {
      if (p.args.length > 1) throw new FlagError('you cannot start and attach multiple containers at once');
      const rec = engine.containers.get(p.args[0]);
      return runForeground(ctx, rec, { stdin: bool(p, 'interactive') && rec.config.openStdin, tty: rec.config.tty, autoRemove: rec.config.autoRemove });
    }
    return forEach(ctx, p.args, async (ref) => { await engine.containers.start(ref); return ref; });
  },
};
export default cmd;
