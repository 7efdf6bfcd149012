// engine.system: what docker's `system` commands and endpoints answer: info, disk usage, the
// prune of everything unused, and the event stream (the engine's events log, read and
// followed with since/until and filters).
import { closeSync, existsSync, fstatSync, openSync, readSync } from 'node:fs';
import { cpus, hostname, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RemoveEvent } from '../image/index.ts';
import type { EngineCore } from './core.ts';
import type { ListedContainer } from './types.ts';
import type { VolumeRecord } from './store.ts';
import { eventsPath, type EngineEvent } from './events.ts';
import { parseIdMap, rootlessUser, selfIdMap } from '../util/userns.ts';
import { checkFilters } from './filters.ts';
import { duEach, duTotal } from './disk-usage.ts';
import { containerSizes, type ContainerSize } from './containers/size.ts';
import { BuildCache } from './build/cache.ts';
import type { ImageService } from './image-service.ts';
import type { NetworkService } from './networks.ts';
import type { ContainerService } from './containers/index.ts';
import type { Filters } from './requests.ts';
import type { VolumeService } from './volumes.ts';

export interface EngineInfo {
  containers: number; running: number; paused: number; stopped: number;
  images: number; volumes: number;
  /** The snapshotter (overlayfs, or the copying fallback). */
  storageDriver: string; loggingDriver: string; cgroupVersion: '1' | '2';
  kernelVersion: string; operatingSystem: string; ncpu: number; memTotal: number; name: string;
  defaultRuntime: string; root: string; runRoot: string;
  /** Rootless (docs/rootless.md): the user's host uid and the user namespace's uid map
   * (`inside outside count` lines); null for root. */
  rootless: { uid: number; uidMap: string[] } | null;
}

export interface UsageLine { total: number; active: number; size: number }
export interface DiskUsage {
  images: UsageLine; containers: UsageLine; volumes: UsageLine; buildCache: UsageLine;
  /** Each container's (docker's SizeRw and SizeRootFs), by id. */
  containerSizes: Record<string, ContainerSize>;
  /** Each volume's data, by name. */
  volumeSizes: Record<string, number>;
  /** The containers and volumes counted (every one), for a per-item listing (system df -v, the API's
   * /system/df) that shows the same ones. */
  containerRecords: ListedContainer[];
  volumeRecords: VolumeRecord[];
  /** How many containers use each image, by image id (config digest). */
  imageContainers: Record<string, number>;
  /** How many containers use each volume, by name. */
  volumeContainers: Record<string, number>;
}

export interface SystemPruneOptions { all?: boolean; volumes?: boolean; filters?: Filters }
export interface SystemPruneResult { containers: string[]; networks: string[]; volumes: string[]; images: RemoveEvent[]; spaceReclaimed: number }

export interface EventsOptions {
  /** ns since the epoch (logs.ts parseSince reads docker's forms). */
  sinceNs?: bigint;
  untilNs?: bigint;
  /** container=ID|NAME, event=ACTION, type=container|network, network=NAME. */
  filters?: Filters;
  /** Keep reading new events (until `untilNs` passes, or `signal`). */
  follow?: boolean;
  signal?: AbortSignal;
}

const EVENT_FILTERS = ['container', 'event', 'type', 'network'];

function rootlessInfo(): EngineInfo['rootless'] {
  const user = rootlessUser();
  if (!user) return null;
  return { uid: user.uid, uidMap: parseIdMap(selfIdMap()).map((l) => `${l.inside} ${l.outside} ${l.count}`) };
}

/** The services system's answers are made of. */
export interface SystemDeps { containers: ContainerService; images: ImageService; networks: NetworkService; volumes: VolumeService }

export class SystemService {
  readonly #core: EngineCore;
  readonly #s: SystemDeps;
  constructor(core: EngineCore, services: SystemDeps) { this.#core = core; this.#s = services; }

  info(): EngineInfo {
    const core = this.#core;
    const all = this.#s.containers.list({ all: true });
    const running = all.filter((r) => r.state.status === 'running');
    const images = core.images();
    return {
      containers: all.length, running: running.length, paused: running.filter((r) => r.state.paused).length, stopped: all.length - running.length,
      images: images.metadata.list().length, volumes: core.store.volumes().length,
      storageDriver: images.snapshotter.driver, loggingDriver: 'k8s-file',
      cgroupVersion: existsSync('/sys/fs/cgroup/cgroup.controllers') ? '2' : '1',
      kernelVersion: release(), operatingSystem: 'linux', ncpu: cpus().length, memTotal: totalmem(), name: hostname(),
      defaultRuntime: core.opts.runtime ?? 'berth-runtime', root: core.paths.root, runRoot: core.paths.runRoot,
      rootless: rootlessInfo(),
    };
  }

  /** Images: the content store; containers: their writable layers; volumes: their data; each
   * container's and each volume's size as well (system df -v). */
  async df(): Promise<DiskUsage> {
    const core = this.#core;
    const store = core.images();
    const images = store.metadata.list();
    const recs = this.#s.containers.list({ all: true });
    const imageContainers: Record<string, number> = {};
    for (const r of recs) imageContainers[r.config.imageId] = (imageContainers[r.config.imageId] ?? 0) + 1;
    const vols = core.store.volumes();
    const volumeContainers = Object.fromEntries(vols.map((v) => [v.name, this.#s.volumes.users(v.name).length]));
    const [imageBytes, sizes, volBytes, cache] = await Promise.all([
      duTotal([join(core.paths.root, 'blobs')]), containerSizes(core, recs), duEach(vols.map((v) => v.mountpoint)), new BuildCache(core).usage(),
    ]);
    const volumeSizes = Object.fromEntries(vols.map((v) => [v.name, volBytes.get(v.mountpoint) ?? 0]));
    return {
      images: { total: images.length, active: images.filter((i) => imageContainers[i.configDigest]).length, size: imageBytes },
      containers: { total: recs.length, active: recs.filter((r) => r.state.status === 'running').length, size: [...sizes.values()].reduce((n, s) => n + s.rw, 0) },
      volumes: { total: vols.length, active: vols.filter((v) => volumeContainers[v.name]).length, size: Object.values(volumeSizes).reduce((n, x) => n + x, 0) },
      // Records, and the bytes only the cache holds (layers no image uses, cache mounts).
      buildCache: { total: cache.records, active: 0, size: cache.size },
      containerSizes: Object.fromEntries(sizes), volumeSizes,
      containerRecords: recs, volumeRecords: vols, imageContainers, volumeContainers,
    };
  }

  /** Stopped containers, networks no container uses, dangling images (every unused one with
   * `all`) and, with `volumes`, unused anonymous volumes; in that order, so that what the
   * removed containers held is free for the later steps. */
  async prune(opts: SystemPruneOptions = {}): Promise<SystemPruneResult> {
    const filters = opts.filters ?? {};
    const containers = await this.#s.containers.prune(filters);
    const networks = await this.#s.networks.prune(filters);
    // Every unused volume, named ones too (berth's system prune has always done so).
    const volumes = opts.volumes ? (await this.#s.volumes.prune({ all: true, filters: { ...(filters.label ? { label: filters.label } : {}) } })).removed : [];
    const images = await this.#s.images.prune({ all: opts.all ?? false, filters });
    return { containers: containers.removed, networks: networks.removed, volumes, images: images.events, spaceReclaimed: containers.spaceReclaimed + images.spaceReclaimed };
  }

  /** The events log from the start (or `sinceNs`), then, with `follow`, new events as they come. */
  async *events(opts: EventsOptions = {}): AsyncGenerator<EngineEvent> {
    const filters = opts.filters ?? {};
    checkFilters(filters, EVENT_FILTERS);
    const ok = (e: EngineEvent) => Object.entries(filters).every(([k, vals]) => vals.some((v) => {
      switch (k) {
        case 'container': return e.id.startsWith(v) || e.name === v;
        case 'event': return e.action === v;
        case 'type': return v === (e.type ?? 'container') || (v === 'network' && !!e.network);
        default: return e.network === v; // network
      }
    }));
    const ns = (e: EngineEvent) => BigInt(Date.parse(e.time)) * 1_000_000n;
    const inWindow = (e: EngineEvent) => (opts.sinceNs === undefined || ns(e) >= opts.sinceNs) && (opts.untilNs === undefined || ns(e) < opts.untilNs);
    const path = eventsPath(this.#core.paths);
    let fd = -1, pos = 0, rest = '';
    const buf = Buffer.alloc(64 * 1024);
    const drain = (): EngineEvent[] => {
      if (fd < 0) { try { fd = openSync(path, 'r'); } catch { return []; } }
      const out: EngineEvent[] = [];
      const size = fstatSync(fd).size;
      while (pos < size) {
        const n = readSync(fd, buf, 0, buf.length, pos);
        if (n <= 0) break;
        pos += n;
        rest += buf.subarray(0, n).toString('utf8');
        const lines = rest.split('\n');
        rest = lines.pop()!;
        for (const l of lines) {
          let e: EngineEvent;
          try { e = JSON.parse(l) as EngineEvent; } catch { continue; /* torn line */ }
          if (ok(e) && inWindow(e)) out.push(e);
        }
      }
      return out;
    };
    try {
      yield* drain();
      const before = () => opts.untilNs === undefined || BigInt(Date.now()) * 1_000_000n < opts.untilNs;
      while (opts.follow && before() && !opts.signal?.aborted) {
        await sleep(200, undefined, opts.signal ? { signal: opts.signal } : {}).catch(() => {});
        yield* drain();
      }
    } finally {
      if (fd >= 0) closeSync(fd);
    }
  }
}
