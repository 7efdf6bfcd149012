// berth top CONTAINER [ps OPTIONS]: the host's ps, filtered to the container's processes. The
// pids come from the OCI runtime interface's ps (runc, crun and berth-runtime all answer it from
// the container's cgroups, sub-cgroups included), as docker takes them from containerd.
import { execFileSync } from 'node:child_process';
import { filterPsTable } from '../../engine/index.ts';
import type { Command } from './context.ts';
import { FlagError } from './flags.ts';

const cmd: Command = {
  usage: 'berth top CONTAINER [ps OPTIONS]',
  about: 'Display the running processes of a container',
  async run(ctx) {
    const [ref, ...psArgs] = ctx.argv;
    if (!ref) throw new FlagError('requires at least 1 argument');
    const engine = ctx.engine();
    const rec = engine.get(ref);
    if (rec.state.status !== 'running') throw new Error(`container ${rec.id} is not running`);
    const pids = await engine.runtimeFor(rec.config.runtime).ps(rec.id)
      .catch((e: Error) => { throw new Error(`listing the processes of ${rec.id}: ${e.message}`); });
    const out = execFileSync('ps', psArgs.length ? psArgs : ['-ef'], { encoding: 'utf8', maxBuffer: 64 << 20 });
    ctx.out(filterPsTable(out, pids));
    return 0;
  },
};
export default cmd;
