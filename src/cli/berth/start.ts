// berth start [-a] [-i] [--detach-keys KEYS] CONTAINER...
import { parseDetachKeys } from '../../engine/index.ts';
import { bool, FlagError, parseFlags, str, type FlagDef } from './flags.ts';
import type { Command } from './context.ts';
import { forEach } from './each.ts';
import { runForeground } from './run.ts';

const FLAGS: FlagDef[] = [
  { name: 'attach', short: 'a', kind: 'bool', help: 'Attach STDOUT/STDERR and forward signals' },
  { name: 'interactive', short: 'i', kind: 'bool', help: "Attach container's STDIN" },
  { name: 'detach-keys', kind: 'string', help: 'Override the key sequence for detaching a container (default ctrl-p,ctrl-q)' },
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
      const stdin = bool(p, 'interactive') && rec.config.openStdin;
      // As run -it: on a terminal with stdin, the detach keys leave it running.
      const detachKeys = stdin && rec.config.tty ? parseDetachKeys(str(p, 'detach-keys') ?? '') : undefined;
      return runForeground(ctx, rec, { stdin, tty: rec.config.tty, autoRemove: rec.config.autoRemove, ...(detachKeys ? { detachKeys } : {}) });
    }
    return forEach(ctx, p.args, async (ref) => { await engine.containers.start(ref); return ref; });
  },
};
export default cmd;
