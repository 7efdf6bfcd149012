// docker's container sizes (ps -s, inspect --size, system df): SizeRw, the bytes in the
// container's writable layer (the overlay snapshot's upper directory), and SizeRootFs, those
// plus the bytes of the image layers under it (unpacked), as moby's rw layer size + its parent
// chain's. With the copying snapshotter (a full copy per snapshot) the writable layer is the
// container's copy less its image's.
import type { EngineCore } from '../core.ts';
import { duEach, usageEach } from '../disk-usage.ts';
import { snapshotKey } from '../rootfs.ts';
import type { ListedContainer } from '../types.ts';

export interface ContainerSize {
  /** Bytes the container wrote (docker's SizeRw). */
  rw: number;
  /** Its whole root filesystem: rw plus its image's layers (docker's SizeRootFs). */
  rootFs: number;
}

interface Layers { upper: string; lowers: string[] }

/** The writable directory and the image directories under it; null without a snapshot (a
 * container made on a plain rootfs directory). */
function layersOf(core: EngineCore, id: string): Layers | null {
  const snaps = core.images().snapshotter;
  const key = snapshotKey(id);
  const info = snaps.stat(key);
  if (!info) return null;
  const opts = snaps.mounts(key).flatMap((m) => m.options);
  const upper = opts.find((o) => o.startsWith('upperdir='))?.slice('upperdir='.length);
  if (upper) return { upper, lowers: opts.find((o) => o.startsWith('lowerdir='))?.slice('lowerdir='.length).split(':').filter(Boolean) ?? [] };
  // The copying snapshotter: the container's full copy, over its parent's.
  return { upper: snaps.fsPath(key), lowers: info.parent ? [snaps.fsPath(info.parent)] : [] };
}

/** Sizes of `recs` by container id, measured in one pass (disk-usage.ts: files, not
 * directories, as docker counts; image layers shared by several containers measured once). */
export async function containerSizes(core: EngineCore, recs: readonly ListedContainer[]): Promise<Map<string, ContainerSize>> {
  const layers = new Map<string, Layers | null>(recs.map((r) => [r.id, layersOf(core, r.id)]));
  const du = await duEach([...layers.values()].flatMap((l) => (l ? [l.upper, ...l.lowers] : [])));
  const copying = core.images().snapshotter.driver === 'copy';
  const out = new Map<string, ContainerSize>();
  for (const [id, l] of layers) {
    if (!l) { out.set(id, { rw: 0, rootFs: 0 }); continue; }
    const upper = du.get(l.upper) ?? 0;
    const lower = l.lowers.reduce((n, p) => n + (du.get(p) ?? 0), 0);
    out.set(id, copying ? { rw: Math.max(0, upper - lower), rootFs: upper } : { rw: upper, rootFs: upper + lower });
  }
  return out;
}

/** The writable layer's usage (the CRI's ContainerStats): blocks and inodes under the
 * container's writable directory (its whole copy with the copying snapshotter), with when it was
 * measured. Measured at most every `maxAgeMs` per container (kubelet asks every 10 s or so, for
 * every container); null without a snapshot. */
export interface LayerUsage { bytes: number; inodes: number; at: number; root: string }

const measured = new Map<string, LayerUsage>();

export async function writableUsage(core: EngineCore, ids: readonly string[], maxAgeMs = 2000): Promise<Map<string, LayerUsage | null>> {
  const now = Date.now();
  const out = new Map<string, LayerUsage | null>();
  const uppers = new Map<string, string>();
  for (const id of ids) {
    const cached = measured.get(id);
    if (cached && now - cached.at < maxAgeMs) { out.set(id, cached); continue; }
    const l = layersOf(core, id);
    if (l) uppers.set(id, l.upper); else out.set(id, null);
  }
  if (uppers.size) {
    const usage = await usageEach([...uppers.values()]);
    for (const [id, upper] of uppers) {
      const u: LayerUsage = { ...(usage.get(upper) ?? { bytes: 0, inodes: 0 }), at: now, root: core.paths.root };
      measured.set(id, u);
      out.set(id, u);
    }
  }
  // Entries nobody asked about for a minute (removed containers') go.
  for (const [id, u] of measured) if (now - u.at > 60_000) measured.delete(id);
  return out;
}
