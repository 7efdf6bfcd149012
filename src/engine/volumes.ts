// Volumes (the local driver: a directory under <root>/volumes/<name>/_data): create, list with
// docker's filters, inspect, remove, prune. Records live in the engine store; which containers
// use a volume is read from their configs.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from '../util/random.ts';
import type { EngineCore } from './core.ts';
import { InvalidFilterError, NoSuchVolumeError, VolumeError, VolumeInUseError } from './errors.ts';
import { checkFilters, labelMatches } from './filters.ts';
import type { Filters } from './requests.ts';
import type { VolumeRecord } from './store.ts';

export const VOLUME_NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export interface VolumeCreateRequest { name?: string; driver?: string; labels?: Record<string, string>; options?: Record<string, string> }

export interface VolumePruneResult { removed: string[]; spaceReclaimed: number }

const VOLUME_FILTERS = ['dangling', 'name', 'label', 'driver'];

/** Ids of the containers that mount volume `name`. */
export function volumeUsers(core: EngineCore, name: string): string[] {
  return core.store.list().filter((r) => r.config.mounts.some((m) => m.type === 'volume' && m.source === name)).map((r) => r.id);
}

export async function removeVolume(core: EngineCore, name: string, force = false): Promise<void> {
  if (!core.store.volume(name)) throw new NoSuchVolumeError(name);
  const users = volumeUsers(core, name);
  if (users.length && !force) throw new VolumeInUseError(name, users);
  core.store.deleteVolumeRecord(name);
  rmSync(join(core.paths.volumes, name), { recursive: true, force: true });
}

export class VolumeService {
  readonly #core: EngineCore;
  constructor(core: EngineCore) { this.#core = core; }

  create(req: VolumeCreateRequest = {}): VolumeRecord {
    if (req.driver && req.driver !== 'local') throw new VolumeError(`volume driver "${req.driver}" not found: only "local" exists`);
    if (req.options && Object.keys(req.options).length) throw new VolumeError('the local driver takes no options here');
    const name = req.name || randomBytes(32).toString('hex');
    if (!VOLUME_NAME_RE.test(name)) throw new VolumeError(`"${name}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed`);
    return this.#core.store.ensureVolume(name, req.labels ?? {});
  }

  /** docker's volume filters: dangling=true|false, name= (substring), label=K[=V], driver=. */
  list(filters: Filters = {}): VolumeRecord[] {
    checkFilters(filters, VOLUME_FILTERS);
    for (const v of filters.dangling ?? []) if (!['true', 'false', '1', '0'].includes(v)) throw new InvalidFilterError(`invalid filter 'dangling=${v}'`);
    return this.#core.store.volumes().filter((v) => Object.entries(filters).every(([k, vals]) => (k === 'label' ? vals.every.bind(vals) : vals.some.bind(vals))((x: string) => {
      switch (k) {
        case 'dangling': return (volumeUsers(this.#core, v.name).length === 0) === (x === 'true' || x === '1');
        case 'name': return v.name.includes(x);
        case 'label': return labelMatches(v.labels, x);
        default: return v.driver === x; // driver
      }
    })));
  }

  inspect(name: string): VolumeRecord {
    const v = this.#core.store.volume(name);
    if (!v) throw new NoSuchVolumeError(name);
    return v;
  }

  /** The volume, or null (inspect of "any object by that name" asks this). */
  find(name: string): VolumeRecord | null {
    return this.#core.store.volume(name);
  }

  users(name: string): string[] {
    return volumeUsers(this.#core, name);
  }

  remove(name: string, opts: { force?: boolean } = {}): Promise<void> {
    return removeVolume(this.#core, name, opts.force ?? false);
  }

  /** Unused anonymous volumes (every unused one with `all`), narrowed by label filters. */
  async prune(opts: { all?: boolean; filters?: Filters } = {}): Promise<VolumePruneResult> {
    const filters = opts.filters ?? {};
    checkFilters(filters, ['label', 'all']);
    const all = opts.all || (filters.all ?? []).some((v) => v === 'true' || v === '1');
    const removed: string[] = [];
    for (const v of this.#core.store.volumes()) {
      if (!v.anonymous && !all) continue;
      if (!(filters.label ?? []).every((l) => labelMatches(v.labels, l))) continue;
      if (volumeUsers(this.#core, v.name).length) continue;
      await removeVolume(this.#core, v.name);
      removed.push(v.name);
    }
    return { removed, spaceReclaimed: 0 };
  }
}
