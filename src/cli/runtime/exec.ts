import { resolve } from 'node:path';
import { bool, parseArgs, str, uint, UsageError } from '../args.ts';
import { ExecProgramError, execProcess, wantsTerminal } from '../../runtime/exec/index.ts';
import { NotServedError, type CommandContext } from './context.ts';

export const usage = `NAME:
   berth-runtime exec - execute new process inside the container

USAGE:
   berth-runtime exec [command options] <container-id> <command> [command options]  || -p process.json <container-id>

OPTIONS:
   --console-socket value          path to an AF_UNIX socket which will receive a file descriptor referencing the master end of the console's pseudoterminal
   --cwd value                     current working directory in the container
   --env value, -e value           set environment variables
   --tty, -t                       allocate a pseudo-TTY
   --user value, -u value          UID (format: <uid>[:<gid>])
   --additional-gids value, -g value  additional gids
   --process value, -p value       path to the process.json
   --detach, -d                    detach from the container's process
   --pid-file value                specify the file to write the process id to
   --process-label value           set the asm process label for the process commonly used with selinux (refused: no SELinux support)
   --apparmor value                set the apparmor profile for the process (refused: no AppArmor support)
   --no-new-privs                  set the no new privileges value for the process
   --cap value, -c value           add a capability to the bounding set for the process
   --preserve-fds value            Pass N additional file descriptors to the container (stdio + N in total) (default: 0)
   --ignore-paused                 allow exec in a paused container
`;

export async function main(ctx: CommandContext, argv: string[]): Promise<number> {
  const p = parseArgs(argv, [
    { name: 'console-socket', type: 'string' },
    { name: 'cwd', type: 'string' },
    { name: 'env', aliases: ['e'], type: 'string', multi: true },
    { name: 'tty', aliases: ['t'], type: 'bool' },
    { name: 'user', aliases: ['u'], type: 'string' },
    { name: 'additional-gids', aliases: ['g'], type: 'string', multi: true },
    { name: 'process', aliases: ['p'], type: 'string' },
    { name: 'detach', aliases: ['d'], type: 'bool' },
    { name: 'pid-file', type: 'string' },
    { name: 'process-label', type: 'string' },
    { name: 'apparmor', type: 'string' },
    { name: 'no-new-privs', type: 'bool' },
    { name: 'cap', aliases: ['c'], type: 'string', multi: true },
    { name: 'preserve-fds', type: 'string' },
    { name: 'ignore-paused', type: 'bool' },
    // Accepted for containerd's sake; the pidfd is not sent.
    { name: 'pidfd-socket', type: 'string' },
  ], { stopAtFirstArg: true });
  const [id, ...args] = p.args;
  if (!id) throw new UsageError('"exec" requires at least 1 argument(s)');
  // Paths as the caller meant them: relative to its directory (berthd's is another).
  const path = (flag: string) => { const v = str(p, flag); return v === undefined ? undefined : resolve(ctx.cwd, v); };
  const processFile = path('process');
  if (!processFile && !args.length) throw new UsageError('"exec" requires a command after the container id (or --process)');
  const list = (name: string) => (p.flags[name] as string[] | undefined) ?? [];
  const gids = list('additional-gids').flatMap((g) => g.split(',')).map((g) => {
    if (!/^\d+$/.test(g)) throw new UsageError(`invalid value "${g}" for flag -additional-gids: must be a number`);
    return Number(g);
  });
  const tty = 'tty' in p.flags ? bool(p, 'tty') : undefined;
  const detach = bool(p, 'detach');
  const consoleSocket = path('console-socket');
  // Relaying a terminal to the caller's (raw mode, window size) needs the caller's process.
  if (ctx.served && !detach && !consoleSocket && wantsTerminal({ tty, processFile })) throw new NotServedError('exec with a terminal to relay');
  try {
    return await execProcess({
      root: ctx.root,
      id,
      args,
      processFile,
      consoleSocket,
      cwd: str(p, 'cwd'),
      env: list('env'),
      tty,
      user: str(p, 'user'),
      additionalGids: gids,
      caps: list('cap'),
      noNewPrivs: 'no-new-privs' in p.flags ? bool(p, 'no-new-privs') : undefined,
      apparmor: str(p, 'apparmor'),
      processLabel: str(p, 'process-label'),
      detach,
      pidFile: path('pid-file'),
      preserveFds: uint(p, 'preserve-fds', 0),
      ignorePaused: bool(p, 'ignore-paused'),
      startHelper: ctx.served?.startHelper,
      signalsForwarded: !!ctx.served,
    });
  } catch (e) {
    // A missing program exits 127 and one that cannot be executed 126, as runc's callers expect.
    if (!(e instanceof ExecProgramError)) throw e;
    ctx.log.error(e.message);
    return e.exitCode;
  }
}
