// Pod records on disk: <root>/pods/<id>/pod.json, written atomically (write + rename), and a
// per-pod lock file (util/lock.ts) for changes.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { acquireLock, type Lock } from '../../util/lock.ts';
import { NoSuchPodError } from './errors.ts';
import type { PodRecord } from './types.ts';

export class PodStore {
  readonly dir: string;
  readonly #locks: string;
  /** Nothing is made on disk until a pod is saved (every Engine has a pod store). */
  constructor(dir: string, locks: string) {
    this.dir = dir;
    this.#locks = locks;
  }

  podDir(id: string): string {
    return join(this.dir, id);
  }

  get(id: string): PodRecord | undefined {
    try { return JSON.parse(readFileSync(join(this.dir, id, 'pod.json'), 'utf8')) as PodRecord; } catch { return undefined; }
  }

  list(): PodRecord[] {
    let ids: string[];
    try { ids = readdirSync(this.dir); } catch { return []; }
    return ids.map((id) => this.get(id)).filter((p): p is PodRecord => !!p).sort((a, b) => a.created.localeCompare(b.created));
  }

  /** By full id, unique id prefix or name. */
  resolve(ref: string): PodRecord {
    const all = this.list();
    const exact = all.find((p) => p.id === ref || p.config.name === ref);
    if (exact) return exact;
    const byPrefix = ref.length >= 3 ? all.filter((p) => p.id.startsWith(ref)) : [];
    if (byPrefix.length === 1) return byPrefix[0];
    throw new NoSuchPodError(ref);
  }

  save(rec: PodRecord): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const dir = this.podDir(rec.id);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const tmp = join(dir, `.pod.json.${process.pid}`);
    writeFileSync(tmp, JSON.stringify(rec));
    renameSync(tmp, join(dir, 'pod.json'));
  }

  delete(id: string): void {
    rmSync(this.podDir(id), { recursive: true, force: true });
    rmSync(join(this.#locks, `pod-${id}.lock`), { force: true });
  }

  lock(id: string): Promise<Lock> {
    mkdirSync(this.#locks, { recursive: true });
    return acquireLock(join(this.#locks, `pod-${id}.lock`));
  }
}
