// berth info
import { cpus, totalmem, release, hostname } from 'node:os';
import { openImageStore } from '../../image/store/index.ts';
import type { Command } from './context.ts';
import { parseFlags, str, type FlagDef } from './flags.ts';
import { BERTH_VERSION } from './version.ts';
import { existsSync } from 'node:fs';
import { daemonSocket } from '../../daemon/protocol.ts';
import { servingClient } from '../../daemon/worker.ts';

/** Which berthd, if any, runs commands (docs/engine.md): this one's, or one on the socket. */
function daemonState(): string {
  const socket = daemonSocket();
  if (servingClient) return `berthd at ${socket} (this command ran in a warm worker)`;
  return existsSync(socket) ? `berthd at ${socket} (not used by this command)` : 'none (daemonless)';
}

const FLAGS: FlagDef[] = [{ name: 'format', short: 'f', kind: 'string', help: "'json'" }];

const cmd: Command = {
  usage: 'berth info [OPTIONS]',
  about: 'Display system-wide information',
  flags: FLAGS,
  async run(ctx) {
    const p = parseFlags(ctx.argv, FLAGS);
    const engine = ctx.engine();
    const all = engine.list(true);
    const images = openImageStore(engine.paths.root);
    const nImages = images.metadata.list().length;
    const driver = images.snapshotter.driver;
    images.close();
    const info = {
      Containers: all.length, ContainersRunning: all.filter((r) => r.state.status === 'running').length,
      ContainersStopped: all.filter((r) => r.state.status !== 'running').length, Images: nImages, Driver: driver,
      LoggingDriver: 'k8s-file', CgroupVersion: '1', KernelVersion: release(), OperatingSystem: 'linux', NCPU: cpus().length,
      MemTotal: totalmem(), Name: hostname(), ServerVersion: BERTH_VERSION, DefaultRuntime: ctx.globals.runtime ?? 'berth-runtime',
      DockerRootDir: engine.paths.root, RunRoot: engine.paths.runRoot, Volumes: engine.store.volumes().length,
      Daemon: daemonState(),
    };
    if (str(p, 'format') === 'json') { ctx.out(`${JSON.stringify(info)}\n`); return 0; }
    ctx.out(Object.entries(info).map(([k, v]) => ` ${k}: ${v}\n`).join(''));
    return 0;
  },
};
export default cmd;
