import { runContainer } from '../../runtime/create.ts';
import { bundleWantsTerminal } from '../../runtime/tty-relay.ts';
import { createCommand } from './create.ts';
import { NotServedError, type CommandContext } from './context.ts';

export const usage = `NAME:
   berth-runtime run - create and run a container

USAGE:
   berth-runtime run [command options] <container-id>

OPTIONS:
   --bundle value, -b value  path to the root of the bundle directory, defaults to the current directory
   --console-socket value    path to an AF_UNIX socket which will receive a file descriptor referencing the master end of the console's pseudoterminal
   --detach, -d              detach from the container's process
   --pid-file value          specify the file to write the process id to
   --no-pivot                do not use pivot root to jail process inside rootfs
   --no-new-keyring          do not create a new session keyring for the container
   --preserve-fds value      Pass N additional file descriptors to the container (stdio + $LISTEN_FDS + N in total) (default: 0)
`;

export async function main(ctx: CommandContext, argv: string[]): Promise<number> {
  const { options, detach } = createCommand(ctx, argv, 'run');
  // Relaying a terminal to the caller's (raw mode, window size) needs the caller's process.
  if (ctx.served && !detach && !options.consoleSocket && bundleWantsTerminal(options.bundle)) throw new NotServedError('run with a terminal to relay');
  return runContainer({ ...options, detach, warn: ctx.log.warn, signalsForwarded: !!ctx.served });
}
