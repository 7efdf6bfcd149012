// berth system df: disk used by images (the content store), containers (their writable layers
// and logs), volumes and the build cache.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { openImageStore } from '../../image/store/index.ts';
import { BuildService } from '../../engine/index.ts';
import type { Command } from './context.ts';
import { parseFlags, str, type FlagDef } from './flags.ts';
import { formatItems, humanSize } from '../present/index.ts';

const FLAGS: FlagDef[] = [{ name: 'format', kind: 'string', help: "'json' or a template" }, { name: 'verbose', short: 'v', kind: 'bool' }];

function du(paths: string[]): number {
  if (!paths.length) return 0;
  try {
    return execFileSync('du', ['-sbc', ...paths], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().split('\n').pop()!.split('\t').map(Number)[0] || 0;
  } catch (e) {
    const out = String((e as { stdout?: string }).stdout ?? '');
    return Number(out.trim().split('\n').pop()?.split('\t')[0]) || 0;
  }
}

const cmd: Command = {
  usage: 'berth system df [OPTIONS]',
  about: 'Show berth disk usage',
  flags: FLAGS,
  async run(ctx) {
    const p = parseFlags(ctx.argv, FLAGS);
    const engine = ctx.engine();
    const store = openImageStore(engine.paths.root);
    const images = store.metadata.list();
    const snaps = store.snapshotter.list();
    const snapRoot = store.snapshotter.root;
    store.close();
    const recs = engine.list(true);
    const usedImages = new Set(recs.map((r) => r.config.imageId));
    const vols = engine.store.volumes();
    const usedVols = vols.filter((v) => engine.volumeUsers(v.name).length);
    const ctrSnaps = snaps.filter((s) => s.labels['berth.container']).map((s) => join(snapRoot, String(s.id), 'fs'));
    const rows = [
      { Type: 'Images', TotalCount: String(images.length), Active: String(images.filter((i) => usedImages.has(i.configDigest)).length), Size: humanSize(du([join(engine.paths.root, 'blobs')])) },
      { Type: 'Containers', TotalCount: String(recs.length), Active: String(recs.filter((r) => r.state.status === 'running').length), Size: humanSize(du(ctrSnaps)) },
      { Type: 'Local Volumes', TotalCount: String(vols.length), Active: String(usedVols.length), Size: humanSize(du(vols.map((v) => v.mountpoint))) },
    ];
    const cache = await new BuildService(engine).cache.usage();
    rows.push({ Type: 'Build Cache', TotalCount: String(cache.records), Active: '0', Size: humanSize(cache.size) });
    const fmt = str(p, 'format');
    ctx.out(formatItems(rows, fmt, '{{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}', { Type: 'TYPE', TotalCount: 'TOTAL', Active: 'ACTIVE', Size: 'SIZE' }));
    return 0;
  },
};
export default cmd;
