// berth system service: berthd in the foreground. The `berth` command (build/berth-client)
// hands commands to its warm workers; without it every command starts Node itself.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Daemon } from '../../daemon/server.ts';
import { DEFAULT_SOCKET, daemonSocket } from '../../daemon/protocol.ts';
import { BERTH_VERSION } from './version.ts';

/** Where a node's berthd serves the CRI (contrib/systemd/berthd.service passes it). */
const DEFAULT_CRI_SOCKET = '/run/berth/cri.sock';
import type { Command } from './context.ts';
import { FlagError, parseFlags, str, type FlagDef } from './flags.ts';

const FLAGS: FlagDef[] = [
  { name: 'socket', kind: 'string', help: `Unix socket to listen on (default ${DEFAULT_SOCKET}, or $BERTH_DAEMON_SOCKET)` },
  { name: 'workers', kind: 'string', help: 'Warm workers to keep ready (default 2)' },
  { name: 'cri-socket', kind: 'string', help: `Also serve the Kubernetes CRI (runtime.v1) on this unix socket (e.g. ${DEFAULT_CRI_SOCKET}; unix:// accepted)` },
];

/** The CRI server: the separate bundle beside this one (dist/lib/cri.cjs), else the source. The
 * specifiers are not literals, so that esbuild leaves them to run time. */
async function loadCri(): Promise<typeof import('../../cri/serve.ts')> {
  const bundle = fileURLToPath(new URL('./cri.cjs', import.meta.url));
  // require, not import(): the launcher runs the CLI bundle without a dynamic import hook.
  if (existsSync(bundle)) return createRequire(bundle)(bundle) as typeof import('../../cri/serve.ts');
  return await import(new URL('../../cri/serve.ts', import.meta.url).href) as typeof import('../../cri/serve.ts');
}

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
    const criSocket = str(p, 'cri-socket')?.replace(/^unix:\/\//, '');
    const daemon = new Daemon({ socket: resolve(socket), workers, script: resolve(process.argv[1]) });
    await daemon.listen();
    ctx.err(`berthd: listening on ${daemon.socket} with ${workers} warm worker${workers === 1 ? '' : 's'}\n`);
    // The CRI server runs in this process (gRPC needs a long-lived server, not a worker per call),
    // loaded only when asked for: the plain CLI never parses the gRPC code.
    let cri: { close(): Promise<void> } | undefined;
    if (criSocket) {
      try {
        const { serveCri } = await loadCri();
        const g = ctx.globals;
        const server = await serveCri({
          engine: { root: g.root, runRoot: g.runRoot, runtime: g.runtime, cli: ctx.cli, ...(ctx.initBinary ? { initBinary: ctx.initBinary } : {}) },
          socket: resolve(criSocket), version: BERTH_VERSION, log: (l) => ctx.err(`berthd: cri: ${l}\n`),
        });
        cri = server;
        ctx.err(`berthd: serving the CRI on unix://${server.socket}\n`);
      } catch (e) {
        await daemon.close();
        throw e;
      }
    }
    await new Promise<void>((done) => {
      const stop = () => { void (cri?.close() ?? Promise.resolve()).then(() => daemon.close()).then(done); };
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    });
    return 0;
  },
};
export default cmd;
