// Container and volume records in SQLite (node:sqlite, WAL, busy timeout) like src/image's
// metadata: concurrent CLI processes create, rename and remove containers safely, and the
// UNIQUE name column makes "name taken" atomic. Per-container operations also hold a lock
// file (locks/<id>.lock) so that two processes never start/stop/remove one container at once.
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { openSharedDatabase } from '../util/sqlite.ts';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { acquireLock, type Lock } from '../util/lock.ts';
import { AmbiguousContainerError, NameConflictError, NoSuchContainerError } from './errors.ts';
import type { EnginePaths } from './paths.ts';
import type { ContainerConfig, ContainerRecord, ContainerState, DeepReadonly, ListedContainer } from './types.ts';

interface Row { id: string; name: string; created: string; config: string; state: string }

const fromRow = (r: Row): ContainerRecord => ({
  id: r.id, name: r.name, created: r.created,
  config: JSON.parse(r.config) as ContainerConfig, state: JSON.parse(r.state) as ContainerState,
});

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object' && !Object.isFrozen(v)) {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}

/** What refresh needs of a record. */
export type ContainerStateRecord = Pick<ContainerRecord, 'id' | 'name' | 'state'>;

export interface VolumeRecord {
  name: string;
  driver: 'local';
  mountpoint: string;
  created: string;
  labels: Record<string, string>;
  anonymous: boolean;
}

export class EngineStore {
  readonly db: DatabaseSync;
  readonly paths: EnginePaths;

  /** Prepared once per statement text: a wait or a log follower reads the state at every wake,
   * and compiling the SQL cost as much as running it. */
  readonly #statements = new Map<string, StatementSync>();

  /** list()'s parsed configs by id, each with the text it was parsed from. A listing still reads
   * every row (another process's create, rm, rename, start or stop shows in the next one), but
   * parses a config only when its text differs from the one parsed before: in berthd, which
   * lists again and again, a `ps` of 50 containers parses none that did not change. Shared
   * between listings, hence frozen: list()'s callers only read them (get() parses its own). */
  readonly #configs = new Map<string, { text: string; config: DeepReadonly<ContainerConfig> }>();

  #prep(sql: string): StatementSync {
    let st = this.#statements.get(sql);
    if (!st) this.#statements.set(sql, (st = this.db.prepare(sql)));
    return st;
  }

  constructor(paths: EnginePaths) {
    this.paths = paths;
    mkdirSync(dirname(paths.db), { recursive: true });
    this.db = openSharedDatabase(paths.db, 15000);
    this.db.exec(`CREATE TABLE IF NOT EXISTS containers (
      id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, created TEXT NOT NULL, config TEXT NOT NULL, state TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS volumes (
      name TEXT PRIMARY KEY, created TEXT NOT NULL, labels TEXT NOT NULL, anonymous INTEGER NOT NULL DEFAULT 0);`);
  }

  insert(rec: ContainerRecord): void {
    try {
      this.#prep('INSERT INTO containers (id, name, created, config, state) VALUES (?, ?, ?, ?, ?)')
        .run(rec.id, rec.name, rec.created, JSON.stringify(rec.config), JSON.stringify(rec.state));
    } catch (e) {
      if (/UNIQUE constraint failed: containers.name/.test((e as Error).message)) {
        const holder = this.byName(rec.name);
        throw new NameConflictError(rec.name, holder?.id ?? '?');
      }
      throw e;
    }
  }

  get(id: string): ContainerRecord | null {
    const r = this.#prep('SELECT * FROM containers WHERE id = ?').get(id) as Row | undefined;
    return r ? fromRow(r) : null;
  }

  /** The record without its config (the larger part): for the loops that only watch the state
   * (a wait, a log follower) and read it at every wake. */
  getState(id: string): ContainerStateRecord | null {
    const r = this.#prep('SELECT id, name, state FROM containers WHERE id = ?').get(id) as { id: string; name: string; state: string } | undefined;
    return r ? { id: r.id, name: r.name, state: JSON.parse(r.state) as ContainerState } : null;
  }

  byName(name: string): ContainerRecord | null {
    const r = this.#prep('SELECT * FROM containers WHERE name = ?').get(name) as Row | undefined;
    return r ? fromRow(r) : null;
  }

  /** docker's lookup order: full id, exact name, then unique id prefix. */
  resolve(ref: string): ContainerRecord {
    const clean = ref.replace(/^\//, '');
    const exact = this.get(clean) ?? this.byName(clean);
    if (exact) return exact;
    if (/^[0-9a-f]+$/.test(clean)) {
      const rows = this.#prep('SELECT * FROM containers WHERE id LIKE ?').all(`${clean}%`) as unknown as Row[];
      if (rows.length === 1) return fromRow(rows[0]);
      if (rows.length > 1) throw new AmbiguousContainerError(ref, rows.length);
    }
    throw new NoSuchContainerError(ref);
  }

  /** Newest first. `keep` sees each state before the config is looked at: a listing of running
   * containers parses no stopped one's config. The configs are shared and frozen (see #configs);
   * each state is parsed afresh (refresh() updates it in place). */
  list(keep?: (state: ContainerState) => boolean): ListedContainer[] {
    const rows = this.#prep('SELECT * FROM containers ORDER BY created DESC').all() as unknown as Row[];
    const out: ListedContainer[] = [];
    const cache = this.#configs;
    let cached = 0;
    for (const r of rows) {
      const state = JSON.parse(r.state) as ContainerState;
      if (!keep || keep(state)) out.push({ id: r.id, name: r.name, created: r.created, config: this.#config(r), state });
      if (cache.has(r.id)) cached++;
    }
    // Every row was read: a cached config whose row is gone is of a removed container.
    if (cache.size > cached) {
      const ids = new Set(rows.map((r) => r.id));
      for (const id of cache.keys()) if (!ids.has(id)) cache.delete(id);
    }
    return out;
  }

  #config(r: Row): DeepReadonly<ContainerConfig> {
    const hit = this.#configs.get(r.id);
    if (hit?.text === r.config) return hit.config;
    const config: DeepReadonly<ContainerConfig> = deepFreeze(JSON.parse(r.config) as ContainerConfig);
    this.#configs.set(r.id, { text: r.config, config });
    return config;
  }

  saveState(id: string, state: ContainerState): void {
    this.#prep('UPDATE containers SET state = ? WHERE id = ?').run(JSON.stringify(state), id);
  }

  /** Writes a changed config (update, connect, disconnect, create's volume names). */
  saveConfig(id: string, config: ContainerConfig): void {
    this.#prep('UPDATE containers SET config = ? WHERE id = ?').run(JSON.stringify(config), id);
  }

  rename(id: string, name: string): void {
    try {
      this.#prep('UPDATE containers SET name = ? WHERE id = ?').run(name, id);
    } catch (e) {
      if (/UNIQUE/.test((e as Error).message)) throw new NameConflictError(name, this.byName(name)?.id ?? '?');
      throw e;
    }
  }

  delete(id: string): void {
    this.#prep('DELETE FROM containers WHERE id = ?').run(id);
  }

  async lock(id: string): Promise<Lock> {
    mkdirSync(this.paths.locks, { recursive: true });
    return acquireLock(join(this.paths.locks, `${id}.lock`), { timeoutMs: 120_000 });
  }

  // Volumes ---------------------------------------------------------------------------------

  volumeMountpoint(name: string): string {
    return join(this.paths.volumes, name, '_data');
  }

  /** Creates a volume record (and directory) unless it exists; returns the record. */
  ensureVolume(name: string, labels: Record<string, string> = {}, anonymous = false): VolumeRecord {
    mkdirSync(this.volumeMountpoint(name), { recursive: true });
    this.#prep('INSERT OR IGNORE INTO volumes (name, created, labels, anonymous) VALUES (?, ?, ?, ?)')
      .run(name, new Date().toISOString(), JSON.stringify(labels), anonymous ? 1 : 0);
    return this.volume(name)!;
  }

  volume(name: string): VolumeRecord | null {
    const r = this.#prep('SELECT * FROM volumes WHERE name = ?').get(name) as
      { name: string; created: string; labels: string; anonymous: number } | undefined;
    if (!r) return null;
    return { name: r.name, driver: 'local', mountpoint: this.volumeMountpoint(r.name), created: r.created, labels: JSON.parse(r.labels) as Record<string, string>, anonymous: !!Number(r.anonymous) };
  }

  volumes(): VolumeRecord[] {
    const rows = this.#prep('SELECT name FROM volumes ORDER BY name').all() as { name: string }[];
    return rows.map((r) => this.volume(r.name)!).filter(Boolean);
  }

  deleteVolumeRecord(name: string): void {
    this.#prep('DELETE FROM volumes WHERE name = ?').run(name);
  }

  close(): void {
    this.db.close();
  }
}
