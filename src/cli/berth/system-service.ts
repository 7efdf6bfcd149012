// berth system service: berthd in the foreground. The `berth` command (build/berth-client)
// hands commands to its warm workers; without it every command starts Node itself. berthd also
// serves the Docker Engine API (src/dockerapi) on a unix socket, and on TCP only with TLS client
// verification, and the Kubernetes CRI (src/cri) when given --cri-socket.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Daemon } from '../../daemon/server.ts';
import { DEFAULT_SOCKET, daemonSocket } from '../../daemon/protocol.ts';
import { dockerApiServer, parseTcpAddr, systemdSocket, type DockerApiServer } from '../../dockerapi/index.ts';
import type { Command } from './context.ts';
import { FlagError, parseFlags, str, type FlagDef } from './flags.ts';
import { BERTH_VERSION } from './version.ts';
import { main, servedInProcess } from './main.ts';

/** Where a node's berthd serves the CRI (contrib/systemd/berthd.service passes it). */
const DEFAULT_CRI_SOCKET = '/run/berth/cri.sock';

const FLAGS: FlagDef[] = [
  { name: 'socket', kind: 'string', help: `Unix socket to listen on (default ${DEFAULT_SOCKET}, a user's RUN_ROOT/berthd.sock, or $BERTH_DAEMON_SOCKET)` },
  { name: 'workers', kind: 'string', help: 'Warm workers to keep ready (default 2)' },
  { name: 'cri-socket', kind: 'string', help: `Also serve the Kubernetes CRI (runtime.v1) on this unix socket (e.g. ${DEFAULT_CRI_SOCKET}; unix:// accepted)` },
  { name: 'docker-socket', kind: 'string', help: "Docker API unix socket (default RUN-ROOT/docker.sock, i.e. /run/berth/docker.sock; '' turns it off)" },
  { name: 'docker-tcp', kind: 'string', help: 'Also serve the Docker API on TCP HOST:PORT (requires --tlscacert, --tlscert and --tlskey)' },
  { name: 'tlscacert', kind: 'string', help: 'CA certificate that client certificates must be signed by (Docker API on TCP)' },
  { name: 'tlscert', kind: 'string', help: "The Docker API server's TLS certificate" },
  { name: 'tlskey', kind: 'string', help: "The Docker API server's TLS key" },
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
  about: 'Run berthd: serve berth commands from warm workers, the Docker Engine API and the CRI',
  flags: FLAGS,
  async run(ctx) {
    const p = parseFlags(ctx.argv, FLAGS);
    if (p.args.length) throw new FlagError(`"berth system service" takes no arguments`);
    const workersText = str(p, 'workers') ?? '2';
    const workers = Number(workersText);
    if (!/^\d+$/.test(workersText) || workers < 1 || workers > 64) throw new FlagError(`--workers: a number from 1 to 64, not ${JSON.stringify(workersText)}`);
    const tcp = str(p, 'docker-tcp');
    const tls = { ca: str(p, 'tlscacert'), cert: str(p, 'tlscert'), key: str(p, 'tlskey') };
    if (tcp !== undefined) {
      if (!tls.ca || !tls.cert || !tls.key) {
        throw new FlagError('--docker-tcp requires --tlscacert, --tlscert and --tlskey: the Docker API gives root on this host to whoever reaches it, so berthd serves it on TCP only to clients with a certificate signed by that CA');
      }
      try { parseTcpAddr(tcp); } catch (e) { throw new FlagError((e as Error).message); }
    }
    const socket = str(p, 'socket') ?? daemonSocket();
    const criSocket = str(p, 'cri-socket')?.replace(/^unix:\/\//, '');
    const daemon = new Daemon({ socket: resolve(socket), workers, script: resolve(process.argv[1]), inProcess: { accepts: servedInProcess, run: main } });
    await daemon.listen();
    ctx.err(`berthd: listening on ${daemon.socket} with ${workers} warm worker${workers === 1 ? '' : 's'}\n`);
    let api: DockerApiServer | undefined;
    try {
      api = await serveDockerApi(ctx, str(p, 'docker-socket'), tcp, tls as { ca: string; cert: string; key: string });
    } catch (e) {
      await daemon.close();
      throw e;
    }
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
        await Promise.all([daemon.close(), api?.close()]);
        throw e;
      }
    }
    await new Promise<void>((done) => {
      const stop = () => { void Promise.all([cri?.close(), daemon.close(), api?.close()]).then(() => done()); };
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    });
    // Starts the Docker API began ahead go, their monitors with them, before berthd does.
    const engine = ctx.engine();
    await engine.settle().catch(() => {});
    engine.close();
    return 0;
  },
};

/** The Docker API on the unix socket (unless '' turns it off) — systemd's, when it passed one
 * (contrib/systemd/berth-docker.socket) — and on TCP with TLS. A default socket that another
 * server holds is left to it (a warning); one named with --docker-socket must be ours. */
async function serveDockerApi(ctx: Parameters<Command['run']>[0], socketFlag: string | undefined, tcp: string | undefined, tls: { ca: string; cert: string; key: string }): Promise<DockerApiServer | undefined> {
  if (socketFlag === '' && tcp === undefined) return undefined;
  const engine = ctx.engine();
  const api = dockerApiServer({ engine, version: BERTH_VERSION, attachHelper: ctx.attachHelper });
  try {
    const activated = socketFlag === undefined ? systemdSocket() : undefined;
    if (activated !== undefined) {
      await api.listenFd(activated);
      ctx.err('berthd: Docker API on the socket systemd passed (socket activation)\n');
    } else if (socketFlag !== '') {
      const path = resolve(socketFlag ?? join(engine.paths.runRoot, 'docker.sock'));
      try {
        await api.listenUnix(path);
        ctx.err(`berthd: Docker API on unix://${path}\n`);
      } catch (e) {
        if (socketFlag !== undefined) throw e;
        ctx.err(`berthd: Docker API not served: ${(e as Error).message}\n`);
      }
    }
    if (tcp !== undefined) {
      const a = await api.listenTcp(tcp, tls);
      ctx.err(`berthd: Docker API on tcp://${a.host}:${a.port} (TLS, client certificates required)\n`);
    }
  } catch (e) {
    await api.close();
    throw new FlagError(`Docker API: ${(e as Error).message}`);
  }
  return api;
}

export default cmd;
