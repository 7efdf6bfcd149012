// berth info
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
    const i = ctx.engine().system.info();
    const info = {
      Containers: i.containers, ContainersRunning: i.running, ContainersPaused: i.paused, ContainersStopped: i.stopped, Images: i.images, Driver: i.storageDriver,
      LoggingDriver: i.loggingDriver, CgroupVersion: i.cgroupVersion, KernelVersion: i.kernelVersion, OperatingSystem: i.operatingSystem, NCPU: i.ncpu,
      MemTotal: i.memTotal, Name: i.name, ServerVersion: BERTH_VERSION, DefaultRuntime: i.defaultRuntime,
      DockerRootDir: i.root, RunRoot: i.runRoot, Volumes: i.volumes,
      Daemon: daemonState(),
    };
    if (str(p, 'format') === 'json') { ctx.out(`${JSON.stringify(info)}\n`); return 0; }
    ctx.out(Object.entries(info).map(([k, v]) => ` ${k}: ${v}\n`).join(''));
    return 0;
  },
};
export default cmd;
