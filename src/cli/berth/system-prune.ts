// berth system prune [-f] [--volumes]: stopped containers, networks no container uses, and
// with --volumes the unused volumes. (Unused images are the image commands' business: `berth
// image prune`.)
import { listNetworks, removeNetwork, DEFAULT_NETWORK } from '../../network/index.ts';
import { netOpts } from '../../engine/netglue.ts';
import type { Command } from './context.ts';
import { bool, parseFlags, type FlagDef } from './flags.ts';

const FLAGS: FlagDef[] = [
  { name: 'force', short: 'f', kind: 'bool', help: 'Do not prompt for confirmation' },
  { name: 'all', short: 'a', kind: 'bool', help: 'Remove all unused images not just dangling ones (images: see image prune)' },
  { name: 'volumes', kind: 'bool', help: 'Prune volumes' },
];

const cmd: Command = {
  usage: 'berth system prune [OPTIONS]',
  about: 'Remove unused data',
  flags: FLAGS,
  async run(ctx) {
    const p = parseFlags(ctx.argv, FLAGS);
    const engine = ctx.engine();
    const containers: string[] = [], networks: string[] = [], volumes: string[] = [];
    for (const r of engine.list(true)) {
      if (r.state.status === 'running') continue;
      await engine.remove(r.id, { volumes: false });
      containers.push(r.id);
    }
    const inUse = new Set(engine.list(true).flatMap((r) => [r.config.networkMode, ...(r.config.extraNetworks ?? [])]));
    for (const n of await listNetworks(netOpts(engine))) {
      if (n.name === DEFAULT_NETWORK || inUse.has(n.name)) continue;
      try { await removeNetwork(n.name, netOpts(engine)); networks.push(n.name); } catch { /* attached by someone else */ }
    }
    if (bool(p, 'volumes')) {
      for (const v of engine.store.volumes()) {
        if (engine.volumeUsers(v.name).length) continue;
        await engine.removeVolume(v.name);
        volumes.push(v.name);
      }
    }
    const section = (t: string, l: string[]) => (l.length ? `${t}:\n${l.map((x) => `${x}\n`).join('')}\n` : '');
    ctx.out(`${section('Deleted Containers', containers)}${section('Deleted Networks', networks)}${section('Deleted Volumes', volumes)}Total reclaimed space: 0B\n`);
    return 0;
  },
};
export default cmd;
