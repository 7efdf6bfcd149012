import { UsageError } from '../args.ts';
import { createContainer, dryRun } from '../../runtime/create.ts';
import { CreateArgsError, parseCreateCommand, type CreateCommand } from '../../runtime/create-args.ts';
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

/** create's (or run's) command line as CreateOptions, with this CLI's global options; a bad
 * command line is a usage error (printed with the usage). */
export function createCommand(ctx: CommandContext, argv: string[], command: 'create' | 'run'): CreateCommand {
  let c: CreateCommand;
  try {
    // Paths as the caller meant them: relative to its directory (berthd's is another).
    c = parseCreateCommand(argv, { command, root: ctx.root, cwd: ctx.cwd });
  } catch (e) {
    if (e instanceof CreateArgsError) throw new UsageError(e.message);
    throw e;
  }
  c.options.systemdCgroup = ctx.systemdCgroup;
  c.options.listenFds = Number(ctx.env.LISTEN_FDS ?? 0) || 0;
  // Served by berthd: the native client starts the helper in its caller's process tree.
  if (ctx.served) c.options.startHelper = ctx.served.startHelper;
  if (ctx.debug) c.options.debug = ctx.log.debug;
  return c;
}

export async function main(ctx: CommandContext, argv: string[]): Promise<number> {
  const { options, dryRun: dry } = createCommand(ctx, argv, 'create');
  if (dry) {
    writeOut(await dryRun(options));
    return 0;
  }
  const { session } = await createContainer(options);
  session.close();
  return 0;
}
