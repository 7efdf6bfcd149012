// berth pod start|stop|rm POD...: one engine call per pod, podman's output (the pod's id).
import type { Command } from './context.ts';
import { forEach } from './each.ts';
import { bool, FlagError, parseFlags, str, type FlagDef } from './flags.ts';

const STOP_FLAGS: FlagDef[] = [{ name: 'time', short: 't', kind: 'string', help: 'Seconds to wait for each container to stop before killing it' }];
const RM_FLAGS: FlagDef[] = [
  { name: 'force', short: 'f', kind: 'bool', help: 'Stop a running pod (and its containers) first' },
  { name: 'all', short: 'a', kind: 'bool', help: 'Remove every pod' },
];

export const start: Command = {
  usage: 'berth pod start POD [POD...]',
  about: 'Start one or more pods',
  async run(ctx) {
    const p = parseFlags(ctx.argv, []);
    if (!p.args.length) throw new FlagError('"berth pod start" requires at least 1 argument');
    return forEach(ctx, p.args, async (ref) => (await ctx.engine().pods.start(ref)).id);
  },
};

export const stop: Command = {
  usage: 'berth pod stop [OPTIONS] POD [POD...]',
  about: 'Stop one or more pods',
  flags: STOP_FLAGS,
  async run(ctx) {
    const p = parseFlags(ctx.argv, STOP_FLAGS);
    if (!p.args.length) throw new FlagError('"berth pod stop" requires at least 1 argument');
    const t = str(p, 'time');
    if (t !== undefined && !/^\d+$/.test(t)) throw new FlagError(`--time: a number of seconds, not ${JSON.stringify(t)}`);
    return forEach(ctx, p.args, async (ref) => (await ctx.engine().pods.stop(ref, t === undefined ? undefined : Number(t))).id);
  },
};

export const rm: Command = {
  usage: 'berth pod rm [OPTIONS] POD [POD...]',
  about: 'Remove one or more pods (and their containers)',
  flags: RM_FLAGS,
  async run(ctx) {
    const p = parseFlags(ctx.argv, RM_FLAGS);
    const refs = bool(p, 'all') ? ctx.engine().pods.list().map((x) => x.id) : p.args;
    if (!refs.length && !bool(p, 'all')) throw new FlagError('"berth pod rm" requires at least 1 argument');
    return forEach(ctx, refs, (ref) => ctx.engine().pods.remove(ref, { force: bool(p, 'force') }));
  },
};
