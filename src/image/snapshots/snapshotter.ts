// The snapshotter: layers unpacked once per chainID into snapshots/<driver>/<id>/fs and shared
// by every image that has them. 'overlay' stacks them with overlayfs; 'copy' (for where
// overlayfs is not available, or forced with BERTH_SNAPSHOTTER=copy) gives every snapshot a full
// copy of its parent (cp -a, reflinks where the filesystem has them). Metadata is SQLite.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { openSharedDatabase } from '../../util/sqlite.ts';
import { runMountOps, runMountOpsAsync, type MountOp } from '../../util/native-mount.ts';
import { inUserNamespace } from '../../util/userns.ts';
import { mountFuseOverlay, mountFuseOverlaySync, overlayMode, refusedOverlay } from './fuse-overlay.ts';
import { SnapshotError, SnapshotExistsError, SnapshotNotFoundError, type Mount, type SnapshotDriver, type SnapshotInfo, type SnapshotKind } from './types.ts';

interface Row { key: string; id: number; kind: SnapshotKind; parent: string | null; created: string; labels: string }

function fromRow(r: Row): SnapshotInfo {
  const info: SnapshotInfo = { key: r.key, id: Number(r.id), kind: r.kind, created: r.created, labels: JSON.parse(r.labels) as Record<string, string> };
  if (r.parent) info.parent = r.parent;
  return info;
}

/** overlay when it is in /proc/filesystems and we are root, unless BERTH_SNAPSHOTTER says otherwise. */
export function defaultDriver(env: NodeJS.ProcessEnv = process.env): SnapshotDriver {
  const forced = env.BERTH_SNAPSHOTTER;
  if (forced === 'overlay' || forced === 'copy') return forced;
  if (forced) throw new Error(`BERTH_SNAPSHOTTER=${forced}: expected overlay or copy`);
  let fs = '';
  try { fs = readFileSync('/proc/filesystems', 'utf8'); } catch { /* no procfs */ }
  return /\toverlay\n/.test(fs) && process.geteuid?.() === 0 ? 'overlay' : 'copy';
}

export interface SnapshotterOptions {
  driver?: SnapshotDriver;
}

export class Snapshotter {
  readonly driver: SnapshotDriver;
  readonly root: string;
  #db: DatabaseSync | undefined;

  /** `root` is the berth root (e.g. /var/lib/berth); snapshots live in root/snapshots/<driver>. */
  constructor(root: string, opts: SnapshotterOptions = {}) {
    this.driver = opts.driver ?? defaultDriver();
    this.root = join(root, 'snapshots', this.driver);
  }

  /** The snapshot records (metadata.db), opened with the snapshots' directory on first use: an
   * image store opened to list or inspect images (the engine's query face) touches neither. */
  get db(): DatabaseSync {
    if (this.#db) return this.#db;
    mkdirSync(this.root, { recursive: true, mode: 0o700 });
    const db = this.#db = openSharedDatabase(join(this.root, 'metadata.db'), 10000);
    db.exec(`CREATE TABLE IF NOT EXISTS snapshots (
      key TEXT PRIMARY KEY, id INTEGER NOT NULL UNIQUE, kind TEXT NOT NULL, parent TEXT, created TEXT NOT NULL, labels TEXT NOT NULL DEFAULT '{}'
    );
    CREATE TABLE IF NOT EXISTS seq (n INTEGER NOT NULL);`);
    // Seeded once: an INSERT (even of no row) takes the write lock on every open.
    if (!db.prepare('SELECT 1 FROM seq').get()) db.exec('INSERT INTO seq SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM seq)');
    return db;
  }

  /** Directory of a snapshot's files (the upper dir of an active overlay snapshot). */
  dir(id: number): string {
    return join(this.root, String(id));
  }

  fsPath(key: string): string {
    return join(this.dir(this.#need(key).id), 'fs');
  }

  stat(key: string): SnapshotInfo | null {
    const r = this.db.prepare('SELECT * FROM snapshots WHERE key = ?').get(key) as Row | undefined;
    return r ? fromRow(r) : null;
  }

  list(): SnapshotInfo[] {
    return (this.db.prepare('SELECT * FROM snapshots ORDER BY id').all() as unknown as Row[]).map(fromRow);
  }

  #need(key: string): SnapshotInfo {
    const s = this.stat(key);
    if (!s) throw new SnapshotNotFoundError(key);
    return s;
  }

  /** Committed ancestors of `parent`, nearest first. */
  #chain(parent: string | undefined): SnapshotInfo[] {
    const out: SnapshotInfo[] = [];
    for (let p = parent; p; ) {
      const s = this.#need(p);
      out.push(s);
      p = s.parent;
    }
    return out;
  }

  #create(key: string, kind: SnapshotKind, parent: string | undefined, labels: Record<string, string>): SnapshotInfo {
    if (parent) {
      const p = this.#need(parent);
      if (p.kind !== 'committed') throw new SnapshotError(key, `parent ${JSON.stringify(parent)} is ${p.kind}, not committed`);
    }
    let info: SnapshotInfo;
    this.db.exec('BEGIN IMMEDIATE');
    try {
      if (this.stat(key)) throw new SnapshotExistsError(key);
      this.db.exec('UPDATE seq SET n = n + 1');
      const { n } = this.db.prepare('SELECT n FROM seq').get() as { n: number };
      const created = new Date().toISOString();
      this.db.prepare('INSERT INTO snapshots (key, id, kind, parent, created, labels) VALUES (?, ?, ?, ?, ?, ?)')
        .run(key, n, kind, parent ?? null, created, JSON.stringify(labels));
      this.db.exec('COMMIT');
      info = { key, id: Number(n), kind, created, labels, ...(parent ? { parent } : {}) };
    } catch (e) {
      this.db.exec('ROLLBACK');
      throw e;
    }
    const d = this.dir(info.id);
    try {
      rmSync(d, { recursive: true, force: true });
      mkdirSync(d, { recursive: true, mode: 0o700 });
      if (this.driver === 'overlay') {
        mkdirSync(join(d, 'fs'), { mode: 0o755 });
        if (kind === 'active') mkdirSync(join(d, 'work'), { mode: 0o700 });
      } else if (parent) {
        execFileSync('cp', ['-a', '--reflink=auto', join(this.dir(this.#need(parent).id), 'fs'), join(d, 'fs')]);
      } else {
        mkdirSync(join(d, 'fs'), { mode: 0o755 });
      }
    } catch (e) {
      this.db.prepare('DELETE FROM snapshots WHERE key = ?').run(key);
      rmSync(d, { recursive: true, force: true });
      throw new SnapshotError(key, `creating its directory: ${(e as Error).message}`);
    }
    return info;
  }

  /** A writable snapshot on top of `parent` (a committed snapshot). */
  prepare(key: string, parent?: string, opts: { labels?: Record<string, string> } = {}): Mount[] {
    this.#create(key, 'active', parent, opts.labels ?? {});
    return this.mounts(key);
  }

  /** A read-only view of `parent`. */
  view(key: string, parent?: string, opts: { labels?: Record<string, string> } = {}): Mount[] {
    this.#create(key, 'view', parent, opts.labels ?? {});
    return this.mounts(key);
  }

  mounts(key: string): Mount[] {
    const s = this.#need(key);
    const fs = join(this.dir(s.id), 'fs');
    const ro = s.kind !== 'active';
    if (this.driver === 'copy' || !s.parent) {
      return [{ type: 'bind', source: fs, options: ['rbind', ro ? 'ro' : 'rw'] }];
    }
    const lowers = this.#chain(s.parent).map((p) => join(this.dir(p.id), 'fs'));
    if (ro) {
      if (lowers.length === 1) return [{ type: 'bind', source: lowers[0], options: ['rbind', 'ro'] }];
      return [{ type: 'overlay', source: 'overlay', options: [`lowerdir=${lowers.join(':')}`] }];
    }
    return [{ type: 'overlay', source: 'overlay', options: [`workdir=${join(this.dir(s.id), 'work')}`, `upperdir=${fs}`, `lowerdir=${lowers.join(':')}`] }];
  }

  /** Turns the active snapshot `key` into the committed snapshot `name`.
   * `parent` (overlay only) places a snapshot prepared without a parent on top of the committed
   * `parent`: an overlay layer's directory does not depend on the layers below, so layers can be
   * unpacked side by side and stacked once each is done. */
  commit(name: string, key: string, opts: { labels?: Record<string, string>; parent?: string } = {}): void {
    const s = this.#need(key);
    if (s.kind !== 'active') throw new SnapshotError(key, `is ${s.kind}; only active snapshots can be committed`);
    if (opts.parent !== undefined) {
      if (this.driver !== 'overlay') throw new SnapshotError(key, `cannot be re-parented with the ${this.driver} driver`);
      if (s.parent) throw new SnapshotError(key, `already has the parent ${JSON.stringify(s.parent)}`);
      const p = this.#need(opts.parent);
      if (p.kind !== 'committed') throw new SnapshotError(key, `parent ${JSON.stringify(opts.parent)} is ${p.kind}, not committed`);
    }
    this.db.exec('BEGIN IMMEDIATE');
    try {
      if (this.stat(name)) throw new SnapshotExistsError(name);
      this.db.prepare("UPDATE snapshots SET key = ?, kind = 'committed', labels = ?, parent = COALESCE(?, parent) WHERE key = ?")
        .run(name, JSON.stringify({ ...s.labels, ...opts.labels }), opts.parent ?? null, key);
      this.db.exec('COMMIT');
    } catch (e) {
      this.db.exec('ROLLBACK');
      throw e;
    }
    rmSync(join(this.dir(s.id), 'work'), { recursive: true, force: true });
  }

  /** Removes a snapshot that nothing is built on. `discard`: deletes its directory instead of
   * this (a caller that deletes in the background; the record is gone first either way). */
  remove(key: string, opts: { discard?: (dir: string) => void } = {}): void {
    const s = this.#need(key);
    const child = this.db.prepare('SELECT key FROM snapshots WHERE parent = ? LIMIT 1').get(key) as { key: string } | undefined;
    if (child) throw new SnapshotError(key, `is the parent of ${JSON.stringify(child.key)}`);
    this.db.prepare('DELETE FROM snapshots WHERE key = ?').run(key);
    if (opts.discard) opts.discard(this.dir(s.id));
    else rmSync(this.dir(s.id), { recursive: true, force: true });
  }

  close(): void {
    this.#db?.close();
    this.#db = undefined;
  }
}

/** The helper's steps that mount `mounts` (as returned by the snapshotter) on `target`. */
export function mountOps(mounts: Mount[], target: string): MountOp[] {
  const ops: MountOp[] = [];
  for (const m of mounts) {
    if (m.type === 'bind') {
      ops.push({ op: 'bind', source: m.source, target, recursive: !m.options.includes('bind') });
      if (m.options.includes('ro')) ops.push({ op: 'remount-ro', target });
    } else {
      const opt = (k: string) => m.options.find((o) => o.startsWith(`${k}=`))?.slice(k.length + 1);
      const lower = opt('lowerdir');
      if (!lower) throw new Error(`overlay mount on ${target} without a lowerdir`);
      const upperdir = opt('upperdir'), workdir = opt('workdir');
      const extra = m.options.filter((o) => !/^(lowerdir|upperdir|workdir)=/.test(o));
      // In a user namespace overlayfs keeps its metadata in user.overlay.* (overlay-xattrs.ts).
      if (inUserNamespace() && !extra.includes('userxattr')) extra.push('userxattr');
      ops.push({ op: 'overlay', target, lowerdirs: lower.split(':'), ...(upperdir !== undefined ? { upperdir } : {}), ...(workdir !== undefined ? { workdir } : {}), ...(extra.length ? { extra } : {}) });
    }
  }
  return ops;
}

/** One way to put a snapshot's mounts in place: the ops in one exec of build/berth-mount, or its
 * overlay through fuse-overlayfs. */
type MountStep = { ops: MountOp[] } | { fuse: Extract<MountOp, { op: 'overlay' }> };

/** The ways to mount `mounts` on `target`, in order: each after the first is tried only when the
 * one before failed with an overlay the kernel refuses (EPERM, EINVAL: a user namespace where it
 * is not allowed), then through fuse-overlayfs; or fuse-overlayfs only with
 * BERTH_OVERLAY=fuse-overlayfs (fuse-overlay.ts). A snapshot mounts as one overlay, or as binds. */
function mountSteps(mounts: Mount[], target: string): MountStep[] {
  const ops = mountOps(mounts, target);
  const fuse = ops.length === 1 && ops[0].op === 'overlay' ? ops[0] : undefined;
  if (!fuse) return [{ ops }];
  const mode = overlayMode();
  if (mode === 'fuse-overlayfs') return [{ fuse }];
  return mode === 'auto' ? [{ ops }, { fuse }] : [{ ops }];
}

/** Whether a failed step gives way to the next one: only a refused overlay. The fuse step
 * looks for fuse-overlayfs itself (not on every mount) and, when it is missing, says so and
 * what to install. */
function tryNext(steps: MountStep[], i: number, e: unknown): boolean {
  return i < steps.length - 1 && refusedOverlay(e);
}

/** Mounts `mounts` (as returned by the snapshotter) on `target` (see mountSteps). */
export function mountAll(mounts: Mount[], target: string): void {
  const steps = mountSteps(mounts, target);
  for (let i = 0; i < steps.length; i++) {
    const s = steps[i];
    try {
      return 'ops' in s ? runMountOps(s.ops) : mountFuseOverlaySync(s.fuse);
    } catch (e) {
      if (!tryNext(steps, i, e)) throw e;
    }
  }
}

/** mountAll without blocking the event loop. */
export async function mountAllAsync(mounts: Mount[], target: string): Promise<void> {
  const steps = mountSteps(mounts, target);
  for (let i = 0; i < steps.length; i++) {
    const s = steps[i];
    try {
      return await ('ops' in s ? runMountOpsAsync(s.ops) : mountFuseOverlay(s.fuse));
    } catch (e) {
      if (!tryNext(steps, i, e)) throw e;
    }
  }
}

/** Unmounts `target` (lazily if busy), ignoring "not mounted". */
export function unmount(target: string): void {
  runMountOps([{ op: 'umount', path: target, lazy: true, missingOk: true }]);
}

/** unmount without blocking the event loop. */
export function unmountAsync(target: string): Promise<void> {
  return runMountOpsAsync([{ op: 'umount', path: target, lazy: true, missingOk: true }]);
}
