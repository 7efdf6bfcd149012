// What every engine service shares: what StoreCore has (store-core.ts: the two roots, the
// container and image stores, the per-container paths, the refresh of a record against conmon's
// exit file), and what changes containers needs besides: locks, the OCI runtime, prelaunched and
// precreated containers, the trash, a long-lived engine's helpers. Services are functions of an
// EngineCore; the Engine façade (engine.ts) owns one and hands it to each service.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RelayServer } from '../runtime/relay.ts';
import type { Handoff } from './handoff.ts';
import { AheadMap } from './ahead-map.ts';
import { openRuntime, type OciRuntime } from './ociruntime/index.ts';
import { findRuntime } from './runtime.ts';
import { removeEmptyCgroupParent } from './cgroup-parent.ts';
import type { Lock } from '../util/lock.ts';
import { NoSuchContainerError } from './errors.ts';
import type { EngineOptions } from './paths.ts';
import { StoreCore } from './store-core.ts';
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
  /** Where the engine reports what fails after its answer, with no caller left to throw to (a
   * stopped pod's address release: berthd's log); default: stderr. */
  log?: (line: string) => void;
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

export class EngineCore extends StoreCore {
  readonly opts: EngineInit;
  /** Monitors started by prelaunch, waiting for their container's start. */
  readonly prelaunched = new Map<string, Prelaunched>();
  /** Starts begun ahead of the start (the Docker API's create), each once ready. */
  readonly ahead = new AheadMap<Promise<AheadLaunch>>();
  /** Containers created in the runtime ahead of their start. */
  readonly precreated = new AheadMap<Precreated>();
  #rootless: { singleId: boolean } | null | undefined;
  /** Where removed containers' and pods' directories go (deleted at once unless longLived). */
  readonly trash: Trash;
  /** The next pod's network namespace, made ahead (longLived only). */
  readonly spareNetns: SpareNetns | undefined;

  constructor(opts: EngineInit = {}) {
    super(opts);
    this.opts = opts;
    this.trash = new Trash(join(this.paths.root, 'trash'), opts.longLived ?? false);
    this.spareNetns = opts.longLived ? new SpareNetns(this.paths.netns) : undefined;
    if (opts.longLived) startSpawner();
  }

  override close(): void {
    // Monitors waiting for a start that this engine will not serve now: their create fails
    // (settle() drops them properly and waits for them; this is for an engine closed without).
    this.ahead.clear();
    this.precreated.clear();
    for (const id of [...this.prelaunched.keys()]) void this.dropPrelaunch(id, new Error('the engine closed before the container started'));
    if (this.opts.longLived) stopSpawner();
    super.close();
  }

  /** The OCI runtime at `path` (a container's config.runtime) over this engine's state root;
   * without a path, the engine's default runtime. */
  runtimeFor(path?: string): OciRuntime {
    return (this.opts.openRuntime ?? openRuntime)(path ?? findRuntime(this.opts.runtime ?? 'berth-runtime'), this.paths.runtimeRoot);
  }
  /** The runtime's record of container `id` goes (its processes killed), then the engine's
   * cgroup parent if nothing else is in it: the last container to go takes it with it. A failed
   * delete is not an error here (the container is being torn down either way). */
  async deleteRuntimeState(id: string, runtimePath?: string): Promise<void> {
    await this.runtimeFor(runtimePath).delete(id, { force: true }).catch(() => {});
    this.releaseCgroupParent(this.paths.cgroupParent);
  }

  /** A cgroup parent whose container just went: removed if empty, but a long-lived engine keeps
   * its own (the default) until settle(): made again for the next container or pod it would cost
   * a mkdir per hierarchy, and its removal an rmdir, whose offlining in the kernel holds the
   * cgroup mutex the next creates need (under load the infra's cgroup took 8-17 ms to make). */
  releaseCgroupParent(parent: string): void {
    if (!this.opts.longLived || parent !== this.paths.cgroupParent) removeEmptyCgroupParent(parent);
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

  /** Work a long-lived engine finishes after its answer (a stopped pod's address release):
   * settle() waits for it. */
  readonly #background = new Set<Promise<void>>();
  inBackground(p: Promise<void>): void {
    const q: Promise<void> = p.catch(() => {}).finally(() => this.#background.delete(q));
    this.#background.add(q);
  }
  async settleBackground(): Promise<void> {
    while (this.#background.size) await Promise.all([...this.#background]);
  }

  /** Holds the cgroup join's warm-up (and forks the mount server) for a create about to come
   * in this process: prepare.ts, loaded on first use; the returned function releases the hold.
   * Best effort: a failure to warm up is only a slower join. */
  async warmUp(): Promise<() => void> {
    try {
      return (await import('./prepare.ts')).prepareForRun();
    } catch {
      return () => {};
    }
  }

  /** Reports a failure of work done after the answer (inBackground's). */
  log(line: string): void {
    (this.opts.log ?? ((l: string) => { process.stderr.write(`berth: ${l}\n`); }))(line);
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

  /** Ends a prelaunched monitor whose container will not start now. */
  async dropPrelaunch(id: string, why: Error): Promise<void> {
    const pre = this.prelaunched.get(id);
    if (!pre) return;
    this.prelaunched.delete(id);
    pre.relay?.abort(why);
    await pre.conmonStarted.catch(() => {});
  }
}
