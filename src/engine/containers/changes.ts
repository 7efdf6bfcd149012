// docker diff: what a container changed, from its overlay upper directory: a whiteout (a 0/0
// character device) is a deletion, an entry whose path exists in a lower layer a change, any
// other an addition (docker's kinds 0 C, 1 A, 2 D), sorted by path. A changed directory shows
// only with changes under it (its own metadata is not compared).
import { existsSync, lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { EngineCore } from '../core.ts';
import { EngineError } from '../errors.ts';
import { snapshotKey } from '../rootfs.ts';

export interface Change { path: string; kind: 0 | 1 | 2 }

/** The upper and lower directories of the container's overlay snapshot. */
function overlayDirs(core: EngineCore, id: string): { upper: string; lowers: string[] } {
  const opts = core.images().snapshotter.mounts(snapshotKey(id)).flatMap((m) => m.options);
  const upper = opts.find((o) => o.startsWith('upperdir='))?.slice('upperdir='.length);
  if (!upper) throw new EngineError(`container ${id}: diff needs the overlay snapshotter (its changes are read from the upper directory)`);
  const lowers = opts.find((o) => o.startsWith('lowerdir='))?.slice('lowerdir='.length).split(':').filter(Boolean) ?? [];
  return { upper, lowers };
}

/** Files the engine makes in every container (bind-mount targets): not the container's changes
 * (docker leaves them out too). */
const ENGINE_FILES = ['/etc/hostname', '/etc/hosts', '/etc/resolv.conf'];

export function containerChanges(core: EngineCore, ref: string): Change[] {
  const rec = core.get(ref);
  const skip = new Set([...ENGINE_FILES, ...rec.config.mounts.map((m) => m.target)]);
  const { upper, lowers } = overlayDirs(core, rec.id);
  const out: Change[] = [];
  const inLower = (rel: string) => lowers.some((l) => existsSync(join(l, rel)));
  const walk = (rel: string) => {
    let names: string[];
    try { names = readdirSync(join(upper, rel)); } catch { return; }
    for (const n of names) {
      const r = rel ? `${rel}/${n}` : n;
      const st = lstatSync(join(upper, r));
      if (st.isCharacterDevice() && st.rdev === 0) { out.push({ path: `/${r}`, kind: 2 }); continue; }
      out.push({ path: `/${r}`, kind: inLower(r) ? 0 : 1 });
      if (st.isDirectory()) walk(r);
    }
  };
  walk('');
  const kept = out.filter((c) => !(skip.has(c.path) && c.kind !== 2));
  // A directory that is only there for what was left out (the parents of those files): not a change.
  const listed = kept.filter((c) => c.kind !== 0 || !lstatSync(join(upper, c.path)).isDirectory() || kept.some((d) => d.path.startsWith(`${c.path}/`)));
  return listed.sort((a, b) => a.path.localeCompare(b.path));
}
