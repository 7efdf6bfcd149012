// berth exec [-d] [-i] [-t] [-e K=V] [-u USER] [-w DIR] [--privileged] CONTAINER COMMAND [ARG...]
import { bool, FlagError, list, parseFlags, str, type FlagDef } from './flags.ts';
import type { Command } from './context.ts';
import { terminalSize } from './stream.ts';

const FLAGS: FlagDef[] = [
  { name: 'detach', short: 'd', kind: 'bool', help: 'Detached mode: run command in the background' },
  { name: 'interactive', short: 'i', kind: 'bool', help: 'Keep STDIN open even if not attached' },
  { name: 'tty', short: 't', kind: 'bool', help: 'Allocate a pseudo-TTY' },
  { name: 'env', short: 'e', kind: 'list', help: 'Set environment variables' },
  { name: 'user', short: 'u', kind: 'string', help: 'Username or UID (format: "<name|uid>[:<group|gid>]")' },
  { name: 'workdir', short: 'w', kind: 'string', help: 'Working directory inside the container' },
  { name: 'privileged', kind: 'bool', help: 'Give extended privileges to the command' },
];

const cmd: Command = {
  usage: 'berth exec [OPTIONS] CONTAINER COMMAND [ARG...]',
  about: 'Execute a command in a running container',
  flags: FLAGS,
  async run(ctx) {
    const p = parseFlags(ctx.argv, FLAGS, { stopAtPositional: true });
    const [ref, ...command] = p.args;
    if (!ref || !command.length) throw new FlagError('requires at least 2 arguments');
    const env = list(p, 'env').map((e) => (e.includes('=') ? e : `${e}=${process.env[e] ?? ''}`));
    const user = str(p, 'user'), wd = str(p, 'workdir');
    const size = terminalSize();
    return ctx.engine().containers.exec(ref, {
      cmd: command, env, tty: bool(p, 'tty'), interactive: bool(p, 'interactive'), detach: bool(p, 'detach'), privileged: bool(p, 'privileged'),
      ...(user !== undefined ? { user } : {}), ...(wd !== undefined ? { workingDir: wd } : {}), ...(size ? { consoleSize: size } : {}),
    });
  },
};
export default cmd;
