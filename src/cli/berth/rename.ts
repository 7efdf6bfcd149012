// berth rename CONTAINER NEW_NAME
import { InvalidNameError } from '../../engine/index.ts';
import { FlagError, parseFlags } from './flags.ts';
import type { Command } from './context.ts';

const cmd: Command = {
  usage: 'berth rename CONTAINER NEW_NAME',
  about: 'Rename a container',
  async run(ctx) {
    const p = parseFlags(ctx.argv, []);
    if (p.args.length !== 2) throw new FlagError('requires exactly 2 arguments');
    const [ref, name] = p.args;
    if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(name)) throw new InvalidNameError(name);
    const engine = ctx.engine();
    engine.store.rename(engine.get(ref).id, name);
    return 0;
  },
};
export default cmd;
