// berth update [OPTIONS] CONTAINER...: new resource limits (at once for a running container,
// through the OCI runtime's update, and for its later starts) and a new restart policy.
import type { ResourceUpdate } from '../../engine/index.ts';
import { parseRestart } from './create-flags.ts';
import type { Command } from './context.ts';
import { forEach } from './each.ts';
import { FlagError, parseBytes, parseFlags, str, type FlagDef } from './flags.ts';

const FLAGS: FlagDef[] = [
  { name: 'memory', short: 'm', kind: 'string', help: 'Memory limit' },
  { name: 'memory-swap', kind: 'string', help: "Swap limit equal to memory plus swap: '-1' to enable unlimited swap" },
  { name: 'cpus', kind: 'string', help: 'Number of CPUs' },
  { name: 'pids-limit', kind: 'string', help: 'Tune container pids limit (set -1 for unlimited)' },
  { name: 'restart', kind: 'string', help: 'Restart policy to apply when a container exits' },
];

const cmd: Command = {
  usage: 'berth update [OPTIONS] CONTAINER [CONTAINER...]',
  about: 'Update configuration of one or more containers',
  flags: FLAGS,
  async run(ctx) {
    const p = parseFlags(ctx.argv, FLAGS);
    if (!p.args.length) throw new FlagError('requires at least 1 argument');
    const u: ResourceUpdate = {};
    const memory = str(p, 'memory'), swap = str(p, 'memory-swap'), cpus = str(p, 'cpus'), pids = str(p, 'pids-limit'), restart = str(p, 'restart');
    if (memory !== undefined) u.memory = parseBytes(memory, '--memory');
    if (swap !== undefined) u.memorySwap = swap === '-1' ? -1 : parseBytes(swap, '--memory-swap');
    if (cpus !== undefined) {
      if (!(Number(cpus) > 0)) throw new FlagError(`invalid argument "${cpus}" for "--cpus" flag`);
      u.cpus = Number(cpus);
    }
    if (pids !== undefined) {
      if (!/^-?\d+$/.test(pids)) throw new FlagError(`invalid argument "${pids}" for "--pids-limit" flag: expected an integer`);
      u.pidsLimit = Number(pids);
    }
    if (restart !== undefined) u.restart = parseRestart(restart);
    if (!Object.keys(u).length) throw new FlagError('you must provide one or more flags when using this command');
    return forEach(ctx, p.args, async (ref) => { await ctx.engine().containers.update(ref, u); return ref; });
  },
};
export default cmd;
