// Image metadata: names → what they point to. Kept in SQLite (node:sqlite) in WAL mode with a
// busy timeout, so that concurrent CLI processes and the engine can all read and write it.
import type { DatabaseSync } from 'node:sqlite';
import { openSharedDatabase } from '../../util/sqlite.ts';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Platform } from '../types.ts';

export interface ImageRecord {
  /** The full reference, e.g. docker.io/library/busybox:latest (or name@digest). */
  name: string;
  /** What the name resolved to: an index/manifest list or a manifest. */
  target: { mediaType: string; digest: string; size: number };
  /** The platform-specific manifest chosen (equals target.digest for a single-platform image). */
  manifestDigest: string;
  configDigest: string;
  platform?: Platform;
  /** When berth first stored this name (ISO 8601). */
  created: string;
  updated: string;
}

interface Row {
  name: string; target_media_type: string; target_digest: string; target_size: number;
  manifest_digest: string; config_digest: string; platform: string | null; created: string; updated: string;
}

function fromRow(r: Row): ImageRecord {
  const rec: ImageRecord = {
    name: r.name,
    target: { mediaType: r.target_media_type, digest: r.target_digest, size: Number(r.target_size) },
    manifestDigest: r.manifest_digest,
    configDigest: r.config_digest,
    created: r.created,
    updated: r.updated,
  };
  if (r.platform) rec.platform = JSON.parse(r.platform) as Platform;
  return rec;
}

export class ImageMetadata {
  readonly db: DatabaseSync;

  constructor(path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.db = openSharedDatabase(path, 10000);
    this.db.exec(`CREATE TABLE IF NOT EXISTS images (
      name TEXT PRIMARY KEY,
      target_media_type TEXT NOT NULL,
      target_digest TEXT NOT NULL,
      target_size INTEGER NOT NULL,
      manifest_digest TEXT NOT NULL,
      config_digest TEXT NOT NULL,
      platform TEXT,
      created TEXT NOT NULL,
      updated TEXT NOT NULL
    )`);
  }

  /** Creates or repoints a name; keeps the original creation time when the name existed. */
  put(rec: Omit<ImageRecord, 'created' | 'updated'> & { created?: string }): ImageRecord {
    const now = new Date().toISOString();
    this.db.prepare(`INSERT INTO images (name, target_media_type, target_digest, target_size, manifest_digest, config_digest, platform, created, updated)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT(name) DO UPDATE SET target_media_type=excluded.target_media_type, target_digest=excluded.target_digest,
        target_size=excluded.target_size, manifest_digest=excluded.manifest_digest, config_digest=excluded.config_digest,
        platform=excluded.platform, updated=excluded.updated`).run(
      rec.name, rec.target.mediaType, rec.target.digest, rec.target.size, rec.manifestDigest, rec.configDigest,
      rec.platform ? JSON.stringify(rec.platform) : null, rec.created ?? now, now);
    return this.get(rec.name)!;
  }

  get(name: string): ImageRecord | null {
    const r = this.db.prepare('SELECT * FROM images WHERE name = ?').get(name) as Row | undefined;
    return r ? fromRow(r) : null;
  }

  list(): ImageRecord[] {
    return (this.db.prepare('SELECT * FROM images ORDER BY name').all() as unknown as Row[]).map(fromRow);
  }

  /** Names whose target, manifest or config is `digest` (or starts with it, for short IDs). */
  findByDigest(digest: string): ImageRecord[] {
    const like = `${digest.replace(/[%_]/g, '')}%`;
    return (this.db.prepare('SELECT * FROM images WHERE target_digest LIKE ? OR manifest_digest LIKE ? OR config_digest LIKE ? ORDER BY name')
      .all(like, like, like) as unknown as Row[]).map(fromRow);
  }

  delete(name: string): boolean {
    return Number(this.db.prepare('DELETE FROM images WHERE name = ?').run(name).changes) > 0;
  }

  close(): void {
    this.db.close();
  }
}
