// berth wait CONTAINER...: prints each exit code once the container stops.
import { FlagError, parseFlags } from './flags.ts';
import type { Command } from './context.ts';
import { forEach } from './each.ts';

const cmd: Command = {
  usage: 'berth wait CONTAINER [CONTAINER...]',
  about: 'Block until one or more containers stop, then print their exit codes',
  async run(ctx) {
    const p = parseFlags(ctx.argv, []);
    if (!p.args.length) throw new FlagError('requires at least 1 argument');
    const engine = ctx.engine();
    return forEach(ctx, p.args, async (ref) => {
      return String((await engine.containers.wait(ref, 'not-running')).exitCode);
    });
  },
};
export default cmd;
