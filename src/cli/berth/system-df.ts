// berth system df [-v]: disk used by images, containers, volumes and the build cache
// (engine.system.df); -v: each image, container (its writable layer, and its whole root
// filesystem as "virtual") and volume, as docker's `system df -v`.
import type { DiskUsage, Engine } from '../../engine/index.ts';
import type { Command } from './context.ts';
import { bool, parseFlags, str, type FlagDef } from './flags.ts';
import { formatItems, humanSize, imageRow, IMAGE_HEADERS } from '../present/index.ts';
import { psRow, PS_HEADERS, shortCommand } from './present.ts';

const FLAGS: FlagDef[] = [{ name: 'format', kind: 'string', help: "'json' or a template" }, { name: 'verbose', short: 'v', kind: 'bool', help: 'Show detailed information on space usage' }];

async function verbose(engine: Engine, df: DiskUsage): Promise<string> {
  const images = (await engine.images.list({})).map((i) => ({ ...imageRow(i), Containers: String(df.imageContainers[i.id] ?? 0) }));
  const containers = df.containerRecords.map((r) => {
    const s = df.containerSizes[r.id];
    return { ...psRow(r), Command: shortCommand(r), Size: s ? humanSize(s.rw) : '0B' };
  });
  // docker prints volume sizes with four digits (go-units HumanSize), the rest with three.
  const volumes = df.volumeRecords.map((v) => ({ Name: v.name, Links: String(df.volumeContainers[v.name] ?? 0), Size: humanSize(df.volumeSizes[v.name] ?? 0, 4) }));
  return [
    'Images space usage:\n\n', formatItems(images, undefined, '{{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}\t{{.Containers}}', IMAGE_HEADERS),
    '\nContainers space usage:\n\n', formatItems(containers, undefined, '{{.ID}}\t{{.Image}}\t{{.Command}}\t{{.LocalVolumes}}\t{{.Size}}\t{{.RunningFor}}\t{{.Status}}\t{{.Names}}', PS_HEADERS),
    '\nLocal Volumes space usage:\n\n', formatItems(volumes, undefined, '{{.Name}}\t{{.Links}}\t{{.Size}}', { Name: 'VOLUME NAME', Links: 'LINKS', Size: 'SIZE' }),
    `\nBuild cache usage: ${humanSize(df.buildCache.size)}\n`,
  ].join('');
}

const cmd: Command = {
  usage: 'berth system df [OPTIONS]',
  about: 'Show berth disk usage',
  flags: FLAGS,
  async run(ctx) {
    const p = parseFlags(ctx.argv, FLAGS);
    const engine = ctx.engine();
    const df = await engine.system.df();
    const fmt = str(p, 'format');
    if (bool(p, 'verbose') && !fmt) { ctx.out(await verbose(engine, df)); return 0; }
    const rows = ([['Images', df.images], ['Containers', df.containers], ['Local Volumes', df.volumes], ['Build Cache', df.buildCache]] as const)
      .map(([Type, u]) => ({ Type, TotalCount: String(u.total), Active: String(u.active), Size: humanSize(u.size) }));
    ctx.out(formatItems(rows, fmt, '{{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}', { Type: 'TYPE', TotalCount: 'TOTAL', Active: 'ACTIVE', Size: 'SIZE' }));
    return 0;
  },
};
export default cmd;
