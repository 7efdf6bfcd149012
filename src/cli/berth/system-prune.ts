// berth system prune [-a] [-f] [--volumes] [--filter K=V]: stopped containers, networks no
// container uses, dangling images (with -a every image no container uses) and the content and
// layers nothing reaches any more, and with --volumes the unused volumes (engine.system.prune).
import { parseFilterList } from '../../engine/index.ts';
import { humanSize } from '../present/index.ts';
import type { Command } from './context.ts';
import { bool, list, parseFlags, type FlagDef } from './flags.ts';

const FLAGS: FlagDef[] = [
  { name: 'force', short: 'f', kind: 'bool', help: 'Do not prompt for confirmation' },
  { name: 'all', short: 'a', kind: 'bool', help: 'Remove all unused images not just dangling ones' },
  { name: 'volumes', kind: 'bool', help: 'Prune volumes' },
  { name: 'filter', kind: 'list', help: 'Provide filter values (until=, label=)' },
];

const cmd: Command = {
  usage: 'berth system prune [OPTIONS]',
  about: 'Remove unused data',
  flags: FLAGS,
  async run(ctx) {
    const p = parseFlags(ctx.argv, FLAGS);
    const r = await ctx.engine().system.prune({ all: bool(p, 'all'), volumes: bool(p, 'volumes'), filters: parseFilterList(list(p, 'filter')) });
    const images = r.images.map((e) => ('untagged' in e ? `untagged: ${e.untagged}` : `deleted: ${e.deleted}`));
    const section = (t: string, l: string[]) => (l.length ? `${t}:\n${l.map((x) => `${x}\n`).join('')}\n` : '');
    ctx.out(`${section('Deleted Containers', r.containers)}${section('Deleted Networks', r.networks)}${section('Deleted Volumes', r.volumes)}${section('Deleted Images', images)}Total reclaimed space: ${humanSize(r.spaceReclaimed)}\n`);
    return 0;
  },
};
export default cmd;
