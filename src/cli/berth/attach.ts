// berth attach [--no-stdin] [--detach-keys KEYS] CONTAINER: connects to conmon's attach socket
// until the container (or our stdin, for a container without a tty) ends; exits with the
// container's code. With a terminal, the detach keys (docker's ctrl-p,ctrl-q by default) leave
// the container running; as docker's CLI, that is reported as "read escape sequence", status 1.
import { parseDetachKeys } from '../../engine/index.ts';
import { bool, FlagError, parseFlags, str, type FlagDef } from './flags.ts';
import type { Command } from './context.ts';
import { attachSocket, DETACHED_EXIT } from './stream.ts';

const FLAGS: FlagDef[] = [
  { name: 'no-stdin', kind: 'bool', help: 'Do not attach STDIN' },
  { name: 'detach-keys', kind: 'string', help: 'Override the key sequence for detaching a container (default ctrl-p,ctrl-q)' },
  { name: 'sig-proxy', kind: 'bool', help: 'Proxy all received signals to the process (default true)' },
];

const cmd: Command = {
  usage: 'berth attach [OPTIONS] CONTAINER',
  about: 'Attach local standard input, output, and error streams to a running container',
  flags: FLAGS,
  async run(ctx) {
    const p = parseFlags(ctx.argv, FLAGS);
    if (p.args.length !== 1) throw new FlagError('requires exactly 1 argument');
    const engine = ctx.engine();
    const rec = engine.containers.get(p.args[0]);
    if (rec.state.status !== 'running') throw new Error('You cannot attach to a stopped container, start it first');
    // Keys are looked for on a terminal only, as docker's CLI does.
    const detachKeys = rec.config.tty ? parseDetachKeys(str(p, 'detach-keys') ?? '') : undefined;
    const s = await attachSocket(ctx.attachHelper, engine.containers, rec, { stdin: rec.config.openStdin && !bool(p, 'no-stdin'), tty: rec.config.tty, ...(detachKeys ? { detachKeys } : {}) });
    if (await s.done === DETACHED_EXIT) {
      process.stderr.write('read escape sequence\n');
      return 1;
    }
    const done = await engine.containers.waitExit(rec.id, 2000);
    return done && done.state.status !== 'running' ? done.state.exitCode : 0;
  },
};
export default cmd;
