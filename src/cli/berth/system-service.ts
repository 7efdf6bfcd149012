// berth system service: berthd in the foreground. The `berth` command (build/berth-client)
// hands commands to its warm workers; without it every command starts Node itself.
import { resolve } from 'node:path';
import { Daemon } from '../../daemon/server.ts';
import { DEFAULT_SOCKET, daemonSocket } from '../../daemon/protocol.ts';
import type { Command } from './context.ts';
import { FlagError, parseFlags, str, type FlagDef } from './flags.ts';

const FLAGS: FlagDef[] = [
  { name: 'socket', kind: 'string', help: `Unix socket to listen on (default ${DEFAULT_SOCKET}, a user's RUN_ROOT/berthd.sock, or $BERTH_DAEMON_SOCKET)` },
  { name: 'workers', kind: 'string', help: 'Warm workers to keep ready (default 2)' },
];

const cmd: Command = {
  usage: 'berth system service [OPTIONS]',
  about: 'Run berthd: serve berth commands from warm workers',
  flags: FLAGS,
  async run(ctx) {
    const p = parseFlags(ctx.argv, FLAGS);
    if (p.args.length) throw new FlagError(`"berth system service" takes no arguments`);
    const workersText = str(p, 'workers') ?? '2';
    const workers = Number(workersText);
    if (!/^\d+$/.test(workersText) || workers < 1 || workers > 64) throw new FlagError(`--workers: a number from 1 to 64, not ${JSON.stringify(workersText)}`);
    const socket = str(p, 'socket') ?? daemonSocket();
    const daemon = new Daemon({ socket: resolve(socket), workers, script: resolve(process.argv[1]) });
    await daemon.listen();
    ctx.err(`berthd: listening on ${daemon.socket} with ${workers} warm worker${workers === 1 ? '' : 's'}\n`);
    await new Promise<void>((done) => {
      const stop = () => { void daemon.close().then(done); };
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    });
    return 0;
  },
};
export default cmd;
