// berth system prune [-a] [-f] [--volumes]: stopped containers, networks no container uses,
// dangling images (with -a every image no container uses) and the content and layers nothing
// reaches any more (as `berth image prune`), and with --volumes the unused volumes.
import { listNetworks, removeNetwork, DEFAULT_NETWORK } from '../../network/index.ts';
import { netOpts } from '../../engine/netglue.ts';
import { humanSize } from '../present/index.ts';
import { pruneImages } from '../../image/ops/prune.ts';
import type { Command } from './context.ts';
import { bool, parseFlags, type FlagDef } from './flags.ts';
import { containersUsing, withStore } from './image-common.ts';

const FLAGS: FlagDef[] = [
  { name: 'force', short: 'f', kind: 'bool', help: 'Do not prompt for confirmation' },
  { name: 'all', short: 'a', kind: 'bool', help: 'Remove all unused images not just dangling ones' },
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
    // images after containers: the stopped containers removed above no longer hold theirs
    const images: string[] = [];
    let reclaimed = 0;
    const rc = await withStore(ctx, async (store) => {
      const r = await pruneImages(store, { all: bool(p, 'all'), usedBy: containersUsing(ctx) });
      for (const e of r.events) images.push('untagged' in e ? `untagged: ${e.untagged}` : `deleted: ${e.deleted}`);
      reclaimed = r.spaceReclaimed;
      return 0;
    });
    const section = (t: string, l: string[]) => (l.length ? `${t}:\n${l.map((x) => `${x}\n`).join('')}\n` : '');
    ctx.out(`${section('Deleted Containers', containers)}${section('Deleted Networks', networks)}${section('Deleted Volumes', volumes)}${section('Deleted Images', images)}Total reclaimed space: ${humanSize(reclaimed)}\n`);
    return rc;
  },
};
export default cmd;
