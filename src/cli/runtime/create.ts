import { resolve } from 'node:path';
import { bool, expectArgs, parseArgs, str, uint, type FlagSpec } from '../args.ts';
import { createContainer, dryRun, type CreateOptions } from '../../runtime/create.ts';
import type { CommandContext } from './context.ts';
import { writeOut } from '../stdio.ts';

export const usage = `NAME:
   berth-runtime create - create a container

USAGE:
   berth-runtime create [command options] <container-id>

OPTIONS:
   --bundle value, -b value  path to the root of the bundle directory, defaults to the current directory
   --console-socket value    path to an AF_UNIX socket which will receive a file descriptor referencing the master end of the console's pseudoterminal
   --pid-file value          specify the file to write the process id to
   --no-pivot                do not use pivot root to jail process inside rootfs
   --no-new-keyring          do not create a new session keyring for the container
   --preserve-fds value      Pass N additional file descriptors to the container (stdio + $LISTEN_FDS + N in total) (default: 0)
   --dry-run                 print the plan instead of creating the container
`;

export const createFlags: FlagSpec[] = [
  { name: 'bundle', aliases: ['b'], type: 'string' },
  { name: 'console-socket', type: 'string' },
  { name: 'pid-file', type: 'string' },
  { name: 'no-pivot', type: 'bool' },
  { name: 'no-new-keyring', type: 'bool' },
  { name: 'preserve-fds', type: 'string' },
  // Accepted for containerd's sake; the pidfd is not sent (yet).
  { name: 'pidfd-socket', type: 'string' },
  { name: 'dry-run', type: 'bool' },
];

export function createOptions(ctx: CommandContext, p: ReturnType<typeof parseArgs>): CreateOptions {
  // Paths as the caller meant them: relative to its working directory (berthd's is another).
  const path = (flag: string) => {
    const v = str(p, flag);
    return v === undefined ? undefined : resolve(ctx.cwd, v);
  };
  return {
    root: ctx.root,
    id: p.args[0],
    bundle: path('bundle') ?? ctx.cwd,
    pidFile: path('pid-file'),
    consoleSocket: path('console-socket'),
    listenFds: Number(ctx.env.LISTEN_FDS ?? 0) || 0,
    startHelper: ctx.served?.startHelper,
    preserveFds: uint(p, 'preserve-fds', 0),
    noPivot: bool(p, 'no-pivot'),
    noNewKeyring: bool(p, 'no-new-keyring'),
    systemdCgroup: ctx.systemdCgroup,
    debug: ctx.debug ? ctx.log.debug : undefined,
  };
}

export async function main(ctx: CommandContext, argv: string[]): Promise<number> {
  const p = parseArgs(argv, createFlags);
  expectArgs(p, 'create', 1);
  const opts = createOptions(ctx, p);
  if (bool(p, 'dry-run')) {
    writeOut(await dryRun(opts));
    return 0;
  }
  const { session } = await createContainer(opts);
  session.close();
  return 0;
}
