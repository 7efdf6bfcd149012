// The engine: daemonless container lifecycle over a state root. Every CLI process opens an
// Engine, does one thing and exits; conmon keeps each running container company and runs
// `berth container cleanup ID` (the exit command) when it exits, which tears the network down,
// deletes the runtime's state and, for --rm, removes the container.
//
// Engine is a façade over services that share one EngineCore: engine.containers, .images,
// .networks, .volumes, .system, .pods, and engine.runtime, the typed OCI runtime interface. Every front
// (CLI, Docker API, CRI, builder) calls these.
import { EngineCore, type EngineInit } from './core.ts';
import { BuildService } from './build/service.ts';
import { ContainerService } from './containers/index.ts';
import { ImageService } from './image-service.ts';
import { NetworkService } from './networks.ts';
import type { OciRuntime } from './ociruntime/index.ts';
import type { EnginePaths } from './paths.ts';
import { SystemService } from './system.ts';
import { VolumeService } from './volumes.ts';
import { PodService } from './pods/service.ts';
import { dropAllPrecreated } from './containers/precreate.ts';
import { dropAllAhead } from './containers/start-ahead.ts';
import { removeEmptyCgroupParent } from './cgroup-parent.ts';

export type { EngineInit } from './core.ts';

export class Engine {
  readonly #core: EngineCore;
  readonly containers: ContainerService;
  readonly images: ImageService;
  readonly networks: NetworkService;
  readonly volumes: VolumeService;
  readonly system: SystemService;
  /** Pods: sandboxes of shared namespaces that containers join (src/engine/pods). */
  readonly pods: PodService;

  constructor(opts: EngineInit = {}) {
    this.#core = new EngineCore(opts);
    this.containers = new ContainerService(this.#core);
    this.images = new ImageService(this.#core);
    this.networks = new NetworkService(this.#core);
    this.volumes = new VolumeService(this.#core);
    this.system = new SystemService(this.#core, this);
    this.pods = new PodService(this.#core, this.containers);
  }

  get paths(): EnginePaths {
    return this.#core.paths;
  }

  /** Whether the engine runs rootless (docs/rootless.md): root only of the user's own namespace. */
  get rootless(): boolean {
    return this.#core.rootless() !== null;
  }

  /** The build support for one build (a Dockerfile builder runs its steps through it; its
   * `cache` also answers `builder prune`). Close it when the build ends. */
  build(): BuildService {
    return new BuildService(this.#core);
  }

  /** The engine's default OCI runtime (typed calls, typed RuntimeError failures). */
  get runtime(): OciRuntime {
    return this.#core.runtimeFor();
  }

  /** The OCI runtime at `path` (a container's config.runtime) over this engine's state root. */
  runtimeFor(path?: string): OciRuntime {
    return this.#core.runtimeFor(path);
  }

  /**
   * For a process about to create and start a container at once (`run`): forks the mount
   * helper's server while the process is still small, and keeps the cgroup join warm. Call it
   * first thing; the returned function releases this hold on the warm-up once the container
   * started (the engine's own starts, pod starts and creates done ahead hold it too: it ends
   * with the last release, prepare.ts).
   */
  prepareForRun(): Promise<() => void> {
    return this.#core.warmUp();
  }

  /** A long-lived engine's background work done and what it kept ready removed: starts begun
   * ahead and containers created ahead dropped (their monitors gone), stopped pods' address
   * releases finished, the removed containers' and pods' directories deleted, the spare network
   * namespace gone, the engine's cgroup parent removed if empty. Call it before close. */
  async settle(): Promise<void> {
    await Promise.all([dropAllAhead(this.#core), dropAllPrecreated(this.#core), this.#core.settleBackground()]);
    await Promise.all([this.#core.trash.settle(), this.#core.spareNetns?.drop()]);
    removeEmptyCgroupParent(this.#core.paths.cgroupParent);
  }

  close(): void {
    this.#core.close();
  }
}

/** What a berthd worker does while it waits for a command: the mount helper's server, forked
 * now (a fork costs the more the bigger the process grows). Loaded only when called: a plain
 * CLI start must not initialise the cgroup and host modules prepare.ts uses. */
export async function prepareWorker(): Promise<void> {
  (await import('./prepare.ts')).prepareWorker();
}
