// `image prune`: delete untagged images (with `all`, every image no container uses), then
// sweep what no image reaches (garbageCollect with its grace period, so that a pull in
// progress in another process keeps its fresh blobs).
import { garbageCollect } from '../store/gc.ts';
import type { ImageStore } from '../store/open.ts';
import { InvalidImageArgumentError } from './errors.ts';
import { deleteImage } from './records.ts';
import type { ImageUsage, RemoveEvent } from './remove.ts';
import { familiarRecordName } from './names.ts';
import { storedImages } from './resolve.ts';

export interface PruneOptions {
  all?: boolean;
  usedBy?: ImageUsage;
  /** `until=<timestamp|duration>` and `label=k[=v]` filters. */
  filters?: string[];
}

export interface PruneResult { events: RemoveEvent[]; spaceReclaimed: number }

/** "24h", "90m", "10s" → milliseconds; an RFC 3339 date or a Unix timestamp → that time. */
export function parseUntil(v: string, now = Date.now()): number {
  const d = /^(\d+(?:\.\d+)?)(h|m|s|ms)$/.exec(v);
  if (d) return now - Number(d[1]) * ({ h: 3_600_000, m: 60_000, s: 1000, ms: 1 } as Record<string, number>)[d[2]];
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v) * 1000;
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new InvalidImageArgumentError('filter', `invalid until filter "${v}": expected a duration (24h) or a timestamp`);
  return t;
}

export async function pruneImages(store: ImageStore, opts: PruneOptions = {}): Promise<PruneResult> {
  let until: number | undefined;
  const labels: string[] = [];
  for (const f of opts.filters ?? []) {
    const eq = f.indexOf('=');
    const key = f.slice(0, eq);
    if (key === 'until') until = parseUntil(f.slice(eq + 1));
    else if (key === 'label') labels.push(f.slice(eq + 1));
    else throw new InvalidImageArgumentError('filter', `invalid filter '${f}' (image prune supports until, label)`);
  }
  const events: RemoveEvent[] = [];
  let bytes = 0;
  for (const im of storedImages(store)) {
    if (!opts.all && im.tags.length > 0) continue;
    if (opts.usedBy && (await opts.usedBy(im.id)).length > 0) continue;
    if (until !== undefined || labels.length) {
      let cfg: { created?: string; config?: { Labels?: Record<string, string> } } = {};
      try { cfg = await store.content.readJson(im.id); } catch { /* judged on what the record knows */ }
      const created = Date.parse(cfg.created ?? im.stored);
      if (until !== undefined && !(created < until)) continue;
      const have = cfg.config?.Labels ?? {};
      if (!labels.every((l) => { const i = l.indexOf('='); return i === -1 ? l in have : have[l.slice(0, i)] === l.slice(i + 1); })) continue;
    }
    for (const n of [...im.tags, ...im.digests]) events.push({ untagged: familiarRecordName(n) });
    const r = await deleteImage(store, im.records);
    bytes += r.bytes;
    events.push({ deleted: im.id });
  }
  const gc = await garbageCollect({ store: store.content, metadata: store.metadata, snapshotter: store.snapshotter });
  return { events, spaceReclaimed: bytes + gc.bytesFreed };
}
