// What every engine service shares: the two roots, the container store, the image store (opened
// once per engine), the per-container paths, and the one rule that brings a running record up
// to date with conmon's exit file. Services are functions of an EngineCore; the Engine façade
// (engine.ts) owns one and hands it to each service.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { openImageStore, type ImageStore } from '../image/store/index.ts';
import type { RelayServer } from '../runtime/relay.ts';
import type { Handoff } from './handoff.ts';
import { AheadMap } from './ahead-map.ts';
import { openRuntime, type OciRuntime } from './ociruntime/index.ts';
import { findRuntime } from './runtime.ts';
import { processAlive, type Lock } from '../util/lock.ts';
import { NoSuchContainerError } from './errors.ts';
import { recordEvent } from './events.ts';
import { containerDir, enginePaths, type EngineOptions, type EnginePaths } from './paths.ts';
import { EngineStore, type ContainerStateRecord } from './store.ts';
import type { ContainerRecord } from './types.ts';
import { lookupUser } from './users.ts';
import { Trash } from './trash.ts';
import { SpareNetns } from './pods/spare-netns.ts';
import { startSpawner, stopSpawner } from '../util/spawner.ts';
import { rootlessUser } from '../util/userns.ts';

export interface EngineInit extends EngineOptions {
  /** argv prefix that runs the berth CLI (for conmon's exit command); none: no exit command. */
  cli?: string[];
  /** Static init binary for --init (build/berth-tiny-init); else tini/catatonit if installed. */
  initBinary?: string;
  /** Opens the OCI runtime at a path over the state root (default: openRuntime, which picks
   * in-process or binary); tests hand in a test double. */
  openRuntime?: (path: string, root: string) => OciRuntime;
  /** A long-lived engine (berthd's): it deletes removed containers' and pods' directories in
   * the background (trash.ts) and keeps a network namespace ready for the next pod
   * (pods/spare-netns.ts), and has conmon and the CNI plugins spawned by a small helper process
   * (util/spawner.ts: no fork of this process per spawn); call Engine.settle() before it goes. */
  longLived?: boolean;
}

export const INIT_CANDIDATES = ['/usr/bin/catatonit', '/usr/libexec/podman/catatonit', '/usr/bin/tini-static', '/usr/bin/docker-init'];

/** A monitor started by prelaunch, waiting for its container's start (containers/start.ts). */
export interface Prelaunched { relay?: RelayServer; conmonStarted: Promise<number> }

/** What a start begun ahead made ready for the start (containers/start-ahead.ts): whether its
 * monitor waits in `prelaunched`, the handoff opened for it, the end of the cgroup join's
 * warm-up, and its conmon's pid (0 while unknown). */
export interface AheadLaunch { launched: boolean; handoff: Handoff | undefined; stopWarm: () => void; conmonPid: () => number }

/** A container created in the runtime ahead of its start (containers/precreate.ts). */
export interface Precreated { done: Promise<boolean>; settled: boolean; pid: number; conmonPid: number }

export class EngineCore {
  readonly paths: EnginePaths;
  readonly opts: EngineInit;
  /** Monitors started by prelaunch, waiting for their container's start. */
  readonly prelaunched = new Map<string, Prelaunched>();
  /** Starts begun ahead of the start (the Docker API's create), each once ready. */
  readonly ahead = new AheadMap<Promise<AheadLaunch>>();
  /** Containers created in the runtime ahead of their start. */
  readonly precreated = new AheadMap<Precreated>();
  #images: ImageStore | undefined;
  #store: EngineStore | undefined;
  #rootless: { singleId: boolean } | null | undefined;
  /** Where removed containers' and pods' directories go (deleted at once unless deferRemovals). */
  readonly trash: Trash;
  /** The next pod's network namespace, made ahead (longLived only). */
  readonly spareNetns: SpareNetns | undefined;

  constructor(opts: EngineInit = {}) {
    this.opts = opts;
    this.paths = enginePaths(opts);
    this.trash = new Trash(join(this.paths.root, 'trash'), opts.longLived ?? false);
    this.spareNetns = opts.longLived ? new SpareNetns(this.paths.netns) : undefined;
    if (opts.longLived) startSpawner();
  }

  /** The container and volume records (containers.db), opened on first use with the
   * directories containers need: an image command makes neither unless it asks which
   * containers use an image. */
  get store(): EngineStore {
    if (!this.#store) {
      for (const d of [this.paths.containers, this.paths.volumes, this.paths.exits, this.paths.locks, this.paths.sockets, this.paths.runtimeRoot]) {
        mkdirSync(d, { recursive: true });
      }
      this.#store = new EngineStore(this.paths);
    }
    return this.#store;
  }

  close(): void {
    // Monitors waiting for a start that this engine will not serve now: their create fails
    // (settle() drops them properly and waits for them; this is for an engine closed without).
    this.ahead.clear();
    this.precreated.clear();
    for (const id of [...this.prelaunched.keys()]) void this.dropPrelaunch(id, new Error('the engine closed before the container started'));
    if (this.opts.longLived) stopSpawner();
    this.#store?.close();
    this.#store = undefined;
    this.#images?.close();
    this.#images = undefined;
  }

  /** The image store, opened once for this engine (three SQLite opens per `run` otherwise). */
  images(): ImageStore {
    return (this.#images ??= openImageStore(this.paths.root));
  }

  /** The OCI runtime at `path` (a container's config.runtime) over this engine's state root;
   * without a path, the engine's default runtime. */
  runtimeFor(path?: string): OciRuntime {
    return (this.opts.openRuntime ?? openRuntime)(path ?? findRuntime(this.opts.runtime ?? 'berth-runtime'), this.paths.runtimeRoot);
  }

  /** Rootless (docs/rootless.md): the engine is root of the user's own namespace; singleId when
   * that maps only the user's id (no subordinate ranges). null for the host's root. */
  rootless(): { singleId: boolean } | null {
    if (this.#rootless === undefined) {
      let gidMap = '';
      try { gidMap = readFileSync('/proc/self/gid_map', 'utf8'); } catch { /* no /proc */ }
      this.#rootless = rootlessUser() ? { singleId: gidMap.trim().split('\n').length <= 1 } : null;
    }
    return this.#rootless;
  }

  dir(id: string): string {
    return containerDir(this.paths, id);
  }

  /** The container's log (CRI format): kubelet's path for a CRI container, else <dir>/ctr.log. */
  logPath(rec: ContainerRecord): string {
    return rec.config.logPath || join(this.dir(rec.id), 'ctr.log');
  }

  exitFile(id: string): string {
    return join(this.paths.exits, id);
  }

  /** Where stop and rm claim a container's cleanup from its exit command (handoff.ts). */
  claimPath(id: string): string {
    return join(this.paths.locks, `${id}.claim`);
  }

  initBinary(): string | undefined {
    return [this.opts.initBinary, ...INIT_CANDIDATES].find((p): p is string => !!p && existsSync(p));
  }

  userOf(rec: ContainerRecord) {
    const rootfs = join(this.dir(rec.id), 'rootfs');
    const read = (p: string) => { try { return readFileSync(join(rootfs, p), 'utf8'); } catch { return ''; } };
    return lookupUser(rec.config.user, read('etc/passwd'), read('etc/group'));
  }

  /** docker's lookup (full id, name, unique id prefix), brought up to date. */
  get(ref: string): ContainerRecord {
    return this.refresh(this.store.resolve(ref));
  }

  /** Runs `fn` on the container's current record under its lock (every state change does). */
  async locked<T>(ref: string, fn: (rec: ContainerRecord, lock: Lock) => Promise<T>): Promise<T> {
    const first = this.store.resolve(ref);
    const lock = await this.store.lock(first.id);
    try {
      const cur = this.store.get(first.id);
      if (!cur) throw new NoSuchContainerError(ref);
      return await fn(this.refresh(cur), lock);
    } finally {
      lock.release();
    }
  }

  /** refresh() for many records (ps, prune): one listing of the exits dir instead of a failed
   * open per running container; a record with no exit file there is refreshed only when its
   * processes are gone (an exit file written meanwhile is then read by refresh itself). */
  refreshAll(recs: ContainerRecord[]): ContainerRecord[] {
    if (!recs.some((r) => r.state.status === 'running')) return recs;
    let exited: Set<string>;
    try { exited = new Set(readdirSync(this.paths.exits)); } catch { return recs.map((r) => this.refresh(r)); }
    return recs.map((r) => {
      if (r.state.status !== 'running') return r;
      if (!exited.has(r.id) && (processAlive(r.state.pid) || processAlive(r.state.conmonPid))) return r;
      return this.refresh(r);
    });
  }

  /** Brings a running record up to date with conmon's exit file (or a vanished monitor). */
  refresh<R extends ContainerStateRecord>(rec: R): R {
    if (rec.state.status !== 'running') return rec;
    const ef = this.exitFile(rec.id);
    let code: number | null = null, when = '';
    try {
      const text = readFileSync(ef, 'utf8').trim();
      if (text !== '') { code = Number(text); when = statSync(ef).mtime.toISOString(); }
    } catch { /* not exited (or no file yet) */ }
    if (code === null) {
      if (processAlive(rec.state.pid) || processAlive(rec.state.conmonPid)) return rec;
      // Both gone without an exit file (monitor killed): it ran, and nothing says how it ended.
      try { if (readFileSync(ef, 'utf8').trim() !== '') return this.refresh(rec); } catch { /* none */ }
      code = 137; when = new Date().toISOString();
    }
    // conmon writes -1 when it could not tell; docker reports 128+signal, which conmon already does.
    rec.state.status = 'exited';
    rec.state.paused = false;
    rec.state.exitCode = code < 0 ? 255 : code;
    rec.state.finishedAt = when;
    rec.state.pid = 0;
    rec.state.oomKilled = existsSync(join(this.dir(rec.id), 'oom'));
    this.store.saveState(rec.id, rec.state);
    recordEvent(this.paths, { id: rec.id, name: rec.name, action: 'die', exitCode: rec.state.exitCode });
    return rec;
  }

  /** Ends a prelaunched monitor whose container will not start now. */
  async dropPrelaunch(id: string, why: Error): Promise<void> {
    const pre = this.prelaunched.get(id);
    if (!pre) return;
    this.prelaunched.delete(id);
    pre.relay?.abort(why);
    await pre.conmonStarted.catch(() => {});
  }
}
