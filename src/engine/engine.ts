// The engine: daemonless container lifecycle over a state root. Every CLI process opens an
// Engine, does one thing and exits; conmon keeps each running container company and runs
// `berth container cleanup ID` (the exit command) when it exits, which tears the network down,
// deletes the runtime's state and, for --rm, removes the container.
import { randomBytes } from '../util/random.ts';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname as osHostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { renderSpec } from '../oci/index.ts';
import { processAlive } from '../util/lock.ts';
import { dockerDefaultProfile } from '../runtime/seccomp/index.ts';
import type { Seccomp } from '../oci/index.ts';
import { parseSignal } from '../runtime/signals.ts';
import { exitCodeFor, startConmon } from './conmon.ts';
import { claimCleanup, claimExitCommand, handoffExitCommand, openHandoff, type Handoff } from './handoff.ts';
import { ContainerStateError, EngineError, InvalidNameError, MountSpecError, NoSuchContainerError, StartError, VolumeInUseError } from './errors.ts';
import { resolveImage, type PullPolicy } from './images.ts';
import { openImageStore, type ImageStore } from '../image/store/index.ts';
import { attachOne, connectNetworks, makeNetns, detachNetworks, networkName, refreshPeerHosts, writeEtcFiles, netOpts } from './netglue.ts';
import { containerDir, enginePaths, type EngineOptions, type EnginePaths } from './paths.ts';
import { isMounted, mountRootfs, removeSnapshot, unmountRootfs } from './rootfs.ts';
import { findRuntime, isOwnRuntime, relayPath } from './runtime.ts';
import { openRuntime, type OciRuntime, type RuntimeResources } from './ociruntime/index.ts';
import { listenRelay, relayEnv, type RelayServer } from '../runtime/relay.ts';
import { recordEvent } from './events.ts';
import { DirWaker } from './logs.ts';
import { trace } from '../util/trace.ts';
import { removeEmptyCgroupParent } from './cgroup-parent.ts';
import { buildSpec, cpuLimit, effectiveCaps, hostCaps } from './spec.ts';
import { EngineStore } from './store.ts';
import { initialState, type ContainerConfig, type ContainerRecord, type MountSpec, type RestartPolicy } from './types.ts';
import { lookupUser } from './users.ts';
import { mergeEnv } from '../oci/env.ts';
import { generateName, insertNamed } from './names.ts';
import type { PublishRequest } from '../network/index.ts';

export interface CreateRequest {
  image: string;
  name?: string;
  pull?: PullPolicy;
  platform?: string;
  cmd?: string[];
  /** undefined: the image's; [] (from --entrypoint ""): none. */
  entrypoint?: string[];
  env?: string[];
  workingDir?: string;
  user?: string;
  hostname?: string;
  domainname?: string;
  tty?: boolean;
  openStdin?: boolean;
  labels?: Record<string, string>;
  mounts?: MountSpec[];
  publish?: PublishRequest[];
  networkMode?: string;
  networkAliases?: string[];
  extraHosts?: string[];
  dns?: string[];
  dnsSearch?: string[];
  dnsOptions?: string[];
  memory?: number;
  memorySwap?: number;
  cpus?: number;
  pidsLimit?: number;
  shmSize?: number;
  readOnly?: boolean;
  capAdd?: string[];
  capDrop?: string[];
  privileged?: boolean;
  /** 'default' | 'unconfined' | a profile file path. */
  seccomp?: string;
  noNewPrivileges?: boolean;
  restart?: RestartPolicy;
  init?: boolean;
  stopSignal?: string;
  stopTimeout?: number;
  runtime?: string;
  autoRemove?: boolean;
  logSizeMax?: number;
  consoleSize?: { height: number; width: number };
}

export interface EngineInit extends EngineOptions {
  /** argv prefix that runs the berth CLI (for conmon's exit command); none: no exit command. */
  cli?: string[];
  /** Static init binary for --init (build/berth-tiny-init); else tini/catatonit if installed. */
  initBinary?: string;
  /** Opens the OCI runtime at a path over the state root (default: openRuntime, which picks
   * in-process or binary); tests hand in a test double. */
  openRuntime?: (path: string, root: string) => OciRuntime;
}

const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

const INIT_CANDIDATES = ['/usr/bin/catatonit', '/usr/libexec/podman/catatonit', '/usr/bin/tini-static', '/usr/bin/docker-init'];

export class Engine {
  readonly paths: EnginePaths;
  readonly store: EngineStore;
  readonly opts: EngineInit;

  constructor(opts: EngineInit = {}) {
    this.opts = opts;
    this.paths = enginePaths(opts);
    for (const d of [this.paths.containers, this.paths.volumes, this.paths.exits, this.paths.locks, this.paths.sockets, this.paths.runtimeRoot]) {
      mkdirSync(d, { recursive: true });
    }
    this.store = new EngineStore(this.paths);
  }

  close(): void {
    this.store.close();
    this.#images?.close();
    this.#images = undefined;
  }

  #images: ImageStore | undefined;
  /** The image store, opened once for this engine (three SQLite opens per `run` otherwise). */
  images(): ImageStore {
    return (this.#images ??= openImageStore(this.paths.root));
  }

  /** The OCI runtime at `path` (a container's config.runtime) over this engine's state root;
   * without a path, the engine's default runtime. */
  runtimeFor(path?: string): OciRuntime {
    return (this.opts.openRuntime ?? openRuntime)(path ?? findRuntime(this.opts.runtime ?? 'berth-runtime'), this.paths.runtimeRoot);
  }

  /** The engine's default OCI runtime (typed calls, typed RuntimeError failures). */
  get runtime(): OciRuntime {
    return this.runtimeFor();
  }

  dir(id: string): string {
    return containerDir(this.paths, id);
  }

  // ---- create ----------------------------------------------------------------------------

  /** `opts.onReady` runs once the record and its directory exist, before the rootfs is mounted:
   * `run` starts the container's monitor there (prelaunch). */
  async create(req: CreateRequest, opts: { onReady?: (rec: ContainerRecord) => Promise<void> } = {}): Promise<ContainerRecord> {
    const id = randomBytes(32).toString('hex');
    const name = req.name ?? generateName((n) => this.store.byName(n) !== null, id);
    if (!NAME_RE.test(name)) throw new InvalidNameError(name);
    if (this.store.byName(name)) throw new EngineError(`Conflict. The container name "/${name}" is already in use by container "${this.store.byName(name)!.id}". You have to remove (or rename) that container to be able to reuse that name.`);
    const runtime = findRuntime(req.runtime ?? this.opts.runtime ?? 'berth-runtime');
    for (const m of req.mounts ?? []) validateMount(m);
    effectiveCaps(req.capAdd ?? [], req.capDrop ?? [], req.privileged ?? false);
    let seccomp: ContainerConfig['seccomp'] = 'default';
    if (req.seccomp === 'unconfined') seccomp = 'unconfined';
    else if (req.seccomp && req.seccomp !== 'default') {
      try { seccomp = { path: req.seccomp, profile: JSON.parse(readFileSync(req.seccomp, 'utf8')) }; } catch (e) {
        throw new EngineError(`opening seccomp profile (${req.seccomp}) failed: ${(e as Error).message}`);
      }
    }
    if (req.init && !this.initBinary()) {
      throw new EngineError(`--init: no init binary on this host (looked for ${[this.opts.initBinary ?? 'berth-tiny-init', ...INIT_CANDIDATES].join(', ')}); run without --init`);
    }
    const netMode = req.networkMode ?? 'bridge';
    if (netMode !== 'bridge' && netMode !== 'none' && netMode !== 'host') {
      const { inspectNetwork } = await import('../network/index.ts');
      await inspectNetwork(netMode, netOpts(this)).catch(() => { throw new EngineError(`network ${netMode} not found`); });
    }
    if ((netMode === 'none' || netMode === 'host') && req.publish?.length) {
      // docker ignores -p with --network host (with a warning) and has nothing to map for none.
      req.publish = [];
    }
    trace('create: checked');
    const img = await resolveImage(this.images(), req.image, req.pull ?? 'missing', req.platform);
    trace('create: image resolved');
    const ic = img.config.config ?? {};
    const userMounts = [...(req.mounts ?? [])];
    for (const target of Object.keys(ic.Volumes ?? {})) {
      if (!userMounts.some((m) => m.target === target)) userMounts.push({ type: 'volume', source: '', target, readOnly: false, options: [], anonymous: true });
    }
    const env = mergeEnv(ic.Env ?? [], req.env ?? []);
    const config: ContainerConfig = {
      image: req.image, imageName: img.name, imageId: img.configDigest, chainId: img.chainId,
      entrypoint: req.entrypoint ?? ic.Entrypoint ?? [],
      cmd: req.cmd?.length ? req.cmd : (req.entrypoint !== undefined ? [] : ic.Cmd ?? []),
      env, workingDir: req.workingDir || ic.WorkingDir || '/', user: req.user ?? ic.User ?? '',
      hostname: req.hostname ?? id.slice(0, 12), domainname: req.domainname ?? '',
      tty: req.tty ?? false, openStdin: req.openStdin ?? false, labels: { ...(ic.Labels ?? {}), ...(req.labels ?? {}) },
      mounts: userMounts, publish: req.publish ?? [], networkMode: netMode, networkAliases: req.networkAliases ?? [],
      extraHosts: req.extraHosts ?? [], dns: req.dns ?? [], dnsSearch: req.dnsSearch ?? [], dnsOptions: req.dnsOptions ?? [],
      ...(req.memory ? { memory: req.memory } : {}), ...(req.memorySwap ? { memorySwap: req.memorySwap } : {}),
      ...(req.cpus ? { cpus: req.cpus } : {}), ...(req.pidsLimit ? { pidsLimit: req.pidsLimit } : {}),
      shmSize: req.shmSize ?? 64 * 1024 * 1024, readOnly: req.readOnly ?? false,
      capAdd: req.capAdd ?? [], capDrop: req.capDrop ?? [], privileged: req.privileged ?? false, seccomp,
      noNewPrivileges: req.noNewPrivileges ?? false, restart: req.restart ?? { name: 'no', maximumRetryCount: 0 },
      init: req.init ?? false, stopSignal: req.stopSignal ?? ic.StopSignal ?? 'SIGTERM', stopTimeout: req.stopTimeout ?? 10,
      runtime, autoRemove: req.autoRemove ?? false, logSizeMax: req.logSizeMax ?? 0,
      ...(req.consoleSize ? { consoleSize: req.consoleSize } : {}),
    };
    parseSignal(config.stopSignal);
    if (config.entrypoint.length + config.cmd.length === 0) throw new EngineError('no command specified');
    const rec: ContainerRecord = { id, name, created: new Date().toISOString(), config, state: initialState() };
    insertNamed(this.store, rec, req.name === undefined);
    recordEvent(this.paths, { id, name: rec.name, action: 'create' });
    trace('create: inserted');
    const dir = this.dir(id);
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      await opts.onReady?.(rec);
      await mountRootfs(this.images(), id, img.chainId, join(dir, 'rootfs'), { volatile: config.autoRemove });
      trace('create: rootfs mounted');
      for (const m of config.mounts) {
        if (m.type !== 'volume') continue;
        if (!m.source) m.source = randomBytes(32).toString('hex');
        const existed = !!this.store.volume(m.source);
        const vol = this.store.ensureVolume(m.source, {}, !!m.anonymous);
        if (!existed) seedVolume(join(dir, 'rootfs', m.target), vol.mountpoint);
      }
      this.store.db.prepare('UPDATE containers SET config = ? WHERE id = ?').run(JSON.stringify(config), id);
      // Fail now (not at start) on a user the image does not know.
      this.userOf(rec);
    } catch (e) {
      await this.dropPrelaunch(id, e as Error);
      await this.destroy(rec, { volumes: true }).catch(() => {});
      throw e;
    }
    return rec;
  }

  /** Monitors started by prelaunch, waiting for their container's start. */
  private readonly prelaunched = new Map<string, { relay?: RelayServer; conmonStarted: Promise<number> }>();

  /**
   * Starts a new container's monitor (conmon and the relay) before its rootfs and spec exist, for
   * a start that follows at once (`run`): conmon's start (10–20 ms) then overlaps the rest of
   * create as well as start's own work. Only for our own runtime without a terminal or stdin
   * (their attach socket and FIFOs must not be touched by start's clean-up); false otherwise.
   * The next start of the container takes it over; a create that fails aborts it.
   */
  async prelaunch(rec: ContainerRecord, hooks: StartHooks = {}): Promise<boolean> {
    const c = rec.config;
    if (!isOwnRuntime(c.runtime) || c.tty || c.openStdin || this.prelaunched.has(rec.id)) return false;
    this.prelaunched.set(rec.id, await this.launchMonitor(rec, hooks, true));
    return true;
  }

  /** Ends a prelaunched monitor whose container will not start now. */
  private async dropPrelaunch(id: string, why: Error): Promise<void> {
    const pre = this.prelaunched.get(id);
    if (!pre) return;
    this.prelaunched.delete(id);
    pre.relay?.abort(why);
    await pre.conmonStarted.catch(() => {});
  }

  initBinary(): string | undefined {
    return [this.opts.initBinary, ...INIT_CANDIDATES].find((p): p is string => !!p && existsSync(p));
  }

  userOf(rec: ContainerRecord) {
    const rootfs = join(this.dir(rec.id), 'rootfs');
    const read = (p: string) => { try { return readFileSync(join(rootfs, p), 'utf8'); } catch { return ''; } };
    return lookupUser(rec.config.user, read('etc/passwd'), read('etc/group'));
  }

  // ---- lookup and state --------------------------------------------------------------------

  get(ref: string): ContainerRecord {
    return this.refresh(this.store.resolve(ref));
  }

  list(all = false): ContainerRecord[] {
    const recs = this.store.list().map((r) => this.refresh(r));
    return all ? recs : recs.filter((r) => r.state.status === 'running' || r.state.status === 'restarting');
  }

  exitFile(id: string): string {
    return join(this.paths.exits, id);
  }

  /** Brings a running record up to date with conmon's exit file (or a vanished monitor). */
  refresh(rec: ContainerRecord): ContainerRecord {
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

  // ---- start -------------------------------------------------------------------------------

  /** Starts a created or exited container. `beforeStart` runs once the runtime created it (the
   * attach socket exists) and before its process runs: attach there to miss no output. */
  async start(ref: string, hooks: StartHooks = {}): Promise<ContainerRecord> {
    const first = this.store.resolve(ref);
    const lock = await this.store.lock(first.id);
    try {
      const rec = this.refresh(this.store.get(first.id) ?? (() => { throw new NoSuchContainerError(ref); })());
      if (rec.state.status === 'running') return rec;
      if (rec.state.status === 'removing') throw new ContainerStateError(`container ${rec.name} is being removed`);
      await this.startLocked(rec, hooks);
      return rec;
    } finally {
      // A prelaunched monitor startLocked did not take over (it takes it first thing).
      await this.dropPrelaunch(first.id, new StartError('the container did not start'));
      lock.release();
    }
  }

  private async startLocked(rec: ContainerRecord, hooks: StartHooks): Promise<void> {
    const c = rec.config, dir = this.dir(rec.id);
    const pre = this.prelaunched.get(rec.id);
    this.prelaunched.delete(rec.id);
    // Leftovers of a previous run (normally gone through cleanup); a container never started has
    // none (a failed start tore its own down), and the scan of every network's attachments would
    // cost a first start ~3 ms. A prelaunched container is new, and its conmon's files are fresh.
    if (!pre) {
      if (rec.state.startedAt || rec.state.netnsPath || Object.keys(rec.state.networks).length) await this.teardown(rec);
      rmSync(this.exitFile(rec.id), { force: true });
      rmSync(join(dir, 'oom'), { force: true });
      rmSync(join(dir, 'attach'), { force: true });
      rmSync(join(dir, 'ctl'), { force: true });
      rmSync(join(dir, 'winsz'), { force: true });
      rmSync(join(dir, 'runtime.log'), { force: true });
    }
    // The netns is made (a berth-mount exec) while the rootfs is mounted (another); the CNI
    // plugins (~10 ms each, more under load) run while conmon has the runtime create the
    // container in the netns; both are done before the runtime's start lets the process run.
    const netnsMade = c.networkMode !== 'host' ? makeNetns(this, rec) : undefined;
    netnsMade?.catch(() => { /* awaited below */ });
    let connecting: Promise<void> | undefined;
    let relay: RelayServer | undefined;
    let conmonStarted: Promise<number> | undefined;
    try {
      // With our own runtime (and no terminal), conmon starts first: its start and the relay's
      // (~10 ms, more under load) overlap the rootfs mount, the netns, the etc files and the
      // spec; the relayed create waits for the plan (prepareAhead below).
      const early = isOwnRuntime(c.runtime) && !c.tty;
      if (pre) ({ relay, conmonStarted } = pre);
      else if (early) ({ relay, conmonStarted } = await this.launchMonitor(rec, hooks, true));
      await mountRootfs(this.images(), rec.id, c.chainId, join(dir, 'rootfs'), { volatile: c.autoRemove });
      trace('start: rootfs mounted');
      if (netnsMade) {
        await netnsMade;
        connecting = connectNetworks(this, rec);
        connecting.catch(() => { /* awaited below */ });
      }
      // Written before the runtime binds them in; rewritten in place once the addresses are known.
      trace('start: netns made');
      writeEtcFiles(this, rec);
      const user = this.userOf(rec);
      let seccomp: Seccomp | undefined;
      const availableCaps = hostCaps();
      if (c.seccomp === 'default') seccomp = dockerDefaultProfile({ caps: effectiveCaps(c.capAdd, c.capDrop, c.privileged, availableCaps) });
      else if (c.seccomp !== 'unconfined') seccomp = c.seccomp.profile;
      const spec = buildSpec({
        id: rec.id, config: c, rootfs: join(dir, 'rootfs'), user, netnsPath: rec.state.netnsPath,
        hostsPath: join(dir, 'hosts'), hostnamePath: join(dir, 'hostname'), resolvConfPath: join(dir, 'resolv.conf'),
        mountSources: c.mounts.map((m) => m.type === 'volume' ? this.store.volumeMountpoint(m.source) : m.source),
        seccomp, availableCaps, cgroupParent: this.paths.cgroupParent, initPath: c.init ? this.initBinary() : undefined, hostHostname: osHostname(),
      });
      if (c.tty && c.consoleSize) spec.process!.consoleSize = c.consoleSize;
      writeFileSync(join(dir, 'config.json'), renderSpec(spec));
      trace('start: config.json written');
      if (!early) ({ relay, conmonStarted } = await this.launchMonitor(rec, hooks, false));
      // conmon takes a while to start and run the relay: the plan is computed meanwhile.
      // The spec object config.json was just written from: no need to read and check it again.
      if (relay && !c.tty) relay.prepareAhead({ bundle: dir, pidFile: join(dir, 'pidfile'), spec });
      const pid = await conmonStarted!;
      trace('start: conmon reported the pid');
      rec.state.pid = pid;
      rec.state.conmonPid = Number(readFileSync(join(dir, 'conmon.pid'), 'utf8').trim()) || 0;
      if (connecting) {
        await connecting;
        writeEtcFiles(this, rec);
      }
      trace('start: networks connected');
      if (hooks.beforeStart) await hooks.beforeStart(rec);
      await this.runtimeFor(c.runtime).start(rec.id).catch((e: Error) => { throw new StartError(`OCI runtime start failed: ${e.message}`); });
      trace('start: runtime start done');
      rec.state.status = 'running';
      rec.state.startedAt = new Date().toISOString();
      rec.state.paused = false;
      rec.state.finishedAt = '';
      rec.state.exitCode = 0;
      rec.state.error = '';
      rec.state.oomKilled = false;
      rec.state.stoppedByUser = false;
      this.store.saveState(rec.id, rec.state);
      recordEvent(this.paths, { id: rec.id, name: rec.name, action: 'start' });
    } catch (e) {
      rec.state.error = (e as Error).message;
      rec.state.pid = 0;
      // A conmon started early waits for a bundle that will not come: its create fails, and it
      // is gone before the teardown.
      relay?.abort(e as Error);
      await conmonStarted?.catch(() => {});
      // A teardown racing an attach (or the netns's creation) in progress would miss what it adds.
      await netnsMade?.catch(() => {});
      await connecting?.catch(() => {});
      await this.runtimeFor(c.runtime).delete(rec.id, { force: true }).catch(() => { /* the start's error is the one to report */ });
      await this.teardown(rec).catch(() => {});
      this.store.saveState(rec.id, rec.state);
      throw e;
    }
  }

  /** Starts conmon for a container's create; with our own runtime, through berth-relay and a
   * relay server here (`awaitAhead`: the bundle is still being made). */
  private async launchMonitor(rec: ContainerRecord, hooks: StartHooks, awaitAhead: boolean): Promise<{ relay?: RelayServer; conmonStarted: Promise<number> }> {
    const c = rec.config, dir = this.dir(rec.id);
    const cli = this.opts.cli;
    const cleanup = cli ? [...cli, '--root', this.paths.root, '--run-root', this.paths.runRoot, 'container', 'cleanup', rec.id] : undefined;
    // Our own runtime's create runs here, over berth-relay (src/runtime/relay.ts): no Node start.
    const relay = isOwnRuntime(c.runtime)
      ? await listenRelay(join(this.paths.runRoot, 'relay', `${rec.id.slice(0, 16)}.sock`), { root: this.paths.runtimeRoot, id: rec.id, awaitAhead })
      : undefined;
    const conmonStarted = startConmon({
      id: rec.id, cuuid: rec.id.slice(0, 16), name: rec.name, runtime: relay ? relayPath() : c.runtime, runtimeRoot: this.paths.runtimeRoot,
      bundle: dir, pidFile: join(dir, 'pidfile'), conmonPidFile: join(dir, 'conmon.pid'), logPath: join(dir, 'ctr.log'), runtimeLog: join(dir, 'runtime.log'),
      logSizeMax: c.logSizeMax, exitDir: this.paths.exits, socketDir: this.paths.sockets, terminal: c.tty, stdin: c.openStdin,
      ...(cleanup ? { exitCommand: hooks.handoff ? handoffExitCommand(hooks.handoff, cleanup) : claimExitCommand(this.claimPath(rec.id), cleanup) } : {}),
      ...(relay ? { env: relayEnv(relay, c.runtime) } : {}),
    }).catch(async (e: Error) => {
      // The relayed create's own error says more than conmon's report of the relay's exit.
      const o = relay ? await Promise.race([relay.outcome, sleep(1000).then(() => undefined)]) : undefined;
      if (o && !o.ok) throw new StartError(`OCI runtime create failed: ${o.error.message}`, exitCodeFor(o.error.message));
      throw e;
    }).finally(() => relay?.close());
    conmonStarted.catch(() => { /* awaited by the caller */ });
    return { relay, conmonStarted };
  }

  /** Where stop and rm claim a container's cleanup from its exit command (handoff.ts). */
  claimPath(id: string): string {
    return join(this.paths.locks, `${id}.claim`);
  }

  /** For a foreground run that will clean up itself (see handoff.ts): pass to start() as
   * hooks.handoff, then call finishForeground once the container exited. */
  openHandoff(id: string): Promise<Handoff | undefined> {
    return this.opts.cli ? openHandoff(join(this.paths.locks, `${id}.handoff`)) : Promise.resolve(undefined);
  }

  /** The exit command's work done by the foreground CLI; then the exit command is told to skip
   * it, and, as rm does, this returns once conmon (and so the exit command) is gone. */
  async finishForeground(id: string, handoff: Handoff, conmonPid: number): Promise<void> {
    try {
      await this.cleanup(id);
      trace('finish: cleanup done');
    } finally {
      handoff.done();
      await waitGone(conmonPid);
      trace('finish: conmon gone');
      handoff.close();
    }
  }

  // ---- exit, stop, kill --------------------------------------------------------------------

  /** Waits until the container is not running; resolves with its record (null if removed). */
  async waitExit(id: string, timeoutMs = Infinity): Promise<ContainerRecord | null> {
    const deadline = Date.now() + timeoutMs;
    // conmon writes the exit file into the exits dir: inotify wakes us then; polling stays as
    // the fallback (and for a monitor that died without one).
    let waker: DirWaker | undefined;
    try {
      for (let delay = 20; ; delay = Math.min(delay * 1.5, 200)) {
        const rec = this.store.get(id);
        if (!rec) return null;
        const r = this.refresh(rec);
        if (r.state.status !== 'running' && r.state.status !== 'restarting') return r;
        if (Date.now() >= deadline) return r;
        waker ??= new DirWaker([this.paths.exits]);
        await waker.wait(Math.min(delay, Math.max(1, deadline - Date.now())));
      }
    } finally {
      waker?.close();
    }
  }

  /** The exit command's work (also run by stop/rm): after the container exited, release its
   * network, the runtime's state; remove it for --rm; restart it under a restart policy. */
  async cleanup(ref: string): Promise<void> {
    let rec: ContainerRecord;
    try { rec = this.store.resolve(ref); } catch (e) { if (e instanceof NoSuchContainerError) return; throw e; }
    const lock = await this.store.lock(rec.id);
    let restart = false;
    try {
      const cur = this.store.get(rec.id);
      if (!cur) return;
      rec = this.refresh(cur);
      if (rec.state.status === 'running') return;
      if (rec.config.autoRemove) {
        await this.destroy(rec, { volumes: true });
        return;
      }
      await this.teardown(rec);
      const p = rec.config.restart;
      restart = !rec.state.stoppedByUser && rec.state.status === 'exited' && (p.name === 'always' || p.name === 'unless-stopped' ||
        (p.name === 'on-failure' && rec.state.exitCode !== 0 && (p.maximumRetryCount === 0 || rec.state.restartCount < p.maximumRetryCount)));
      if (restart) {
        rec.state.restartCount++;
        rec.state.status = 'restarting';
        this.store.saveState(rec.id, rec.state);
        try {
          await this.startLocked(rec, {});
        } catch {
          rec.state.status = 'exited';
          this.store.saveState(rec.id, rec.state);
        }
      }
    } finally {
      lock.release();
    }
  }

  /** Network, netns and the runtime's record go; the rootfs stays mounted until rm. */
  async teardown(rec: ContainerRecord, andThen?: () => Promise<void>): Promise<void> {
    const hadNet = Object.keys(rec.state.networks);
    // The network side (CNI DEL, a berth-mount exec for the netns) goes on while the runtime's
    // record goes; `andThen` (destroy's unmount) once the runtime has made sure no process is left.
    const net = (async () => {
      await detachNetworks(this, rec);
      if (rec.state.netnsPath) {
        const { removeNetns } = await import('../network/index.ts');
        await removeNetns(rec.state.netnsPath);
        rec.state.netnsPath = '';
      }
    })();
    net.catch(() => { /* awaited below */ });
    try {
      // Before a first start, and in destroy after the exit command's teardown, there is none.
      const runtime = this.runtimeFor(rec.config.runtime);
      if (runtime.mayHaveState(rec.id)) {
        // As before the typed interface: a failed delete does not stop the teardown.
        await runtime.delete(rec.id, { force: true }).catch(() => {});
        removeEmptyCgroupParent(this.paths.cgroupParent);
      }
      await andThen?.();
    } finally {
      await net;
    }
    rec.state.ports = [];
    // Left only by a CLI killed while the container started (relay.ts removes its own).
    rmSync(join(this.paths.runRoot, 'relay', `${rec.id.slice(0, 16)}.sock`), { force: true });
    this.store.saveState(rec.id, rec.state);
    if (hadNet.length) refreshPeerHosts(this, hadNet, rec.id);
  }

  async kill(ref: string, signal = 'SIGKILL'): Promise<ContainerRecord> {
    let rec = this.get(ref);
    const sig = parseSignal(signal);
    if (rec.state.status === 'restarting') rec = await this.markStopped(rec);
    if (rec.state.status !== 'running') throw new ContainerStateError(`Cannot kill container: ${ref}: container ${rec.id} is not running`);
    rec = await this.markStopped(rec);
    try {
      await this.runtimeFor(rec.config.runtime).kill(rec.id, sig);
    } catch (e) {
      if (this.refresh(rec).state.status === 'running') throw new EngineError(`Cannot kill container: ${ref}: ${(e as Error).message}`);
    }
    // A frozen process acts on its signal only once thawed (docker's kill thaws it too).
    await this.thaw(rec);
    return rec;
  }

  // ---- update ------------------------------------------------------------------------------

  /** docker update: new resource limits (applied at once through the runtime's `update` when
   * the container runs, and kept for its next starts) and a new restart policy. */
  async update(ref: string, u: ResourceUpdate): Promise<ContainerRecord> {
    const first = this.store.resolve(ref);
    const lock = await this.store.lock(first.id);
    try {
      const rec = this.refresh(this.store.get(first.id) ?? (() => { throw new NoSuchContainerError(ref); })());
      const c = rec.config;
      if (u.restart && u.restart.name !== 'no' && c.autoRemove) throw new EngineError('Restart policy cannot be updated because AutoRemove is enabled for the container');
      const memory = u.memory ?? c.memory;
      const swap = u.memorySwap ?? c.memorySwap;
      if (memory && swap && swap !== -1 && swap < memory) throw new EngineError('Minimum memoryswap limit should be larger than memory limit, see usage');
      if (rec.state.status === 'running') {
        const res: RuntimeResources = {};
        if (u.memory !== undefined) res.memory = { limit: u.memory };
        if (u.memorySwap !== undefined) res.memory = { ...res.memory, swap: u.memorySwap };
        if (u.cpus !== undefined) res.cpu = cpuLimit(u.cpus);
        if (u.pidsLimit !== undefined) res.pids = { limit: u.pidsLimit > 0 ? u.pidsLimit : -1 };
        if (Object.keys(res).length) {
          await this.runtimeFor(c.runtime).update(rec.id, res)
            .catch((e: Error) => { throw new EngineError(`Cannot update container ${rec.id}: ${e.message}`); });
        }
      }
      if (u.memory !== undefined) c.memory = u.memory;
      if (u.memorySwap !== undefined) { if (u.memorySwap === -1) delete c.memorySwap; else c.memorySwap = u.memorySwap; }
      if (u.cpus !== undefined) c.cpus = u.cpus;
      if (u.pidsLimit !== undefined) { if (u.pidsLimit > 0) c.pidsLimit = u.pidsLimit; else delete c.pidsLimit; }
      if (u.restart) c.restart = u.restart;
      this.store.db.prepare('UPDATE containers SET config = ? WHERE id = ?').run(JSON.stringify(c), rec.id);
      return rec;
    } finally {
      lock.release();
    }
  }

  // ---- pause / unpause ---------------------------------------------------------------------

  /** docker pause: freezes every process of a running container (the runtime's `pause`). */
  async pause(ref: string): Promise<ContainerRecord> {
    return this.setPaused(ref, true);
  }

  /** docker unpause. */
  async unpause(ref: string): Promise<ContainerRecord> {
    return this.setPaused(ref, false);
  }

  private async setPaused(ref: string, paused: boolean): Promise<ContainerRecord> {
    const first = this.store.resolve(ref);
    const lock = await this.store.lock(first.id);
    try {
      const rec = this.refresh(this.store.get(first.id) ?? (() => { throw new NoSuchContainerError(ref); })());
      if (rec.state.status !== 'running') throw new ContainerStateError(`Container ${rec.id} is not running`);
      if (!!rec.state.paused === paused) throw new ContainerStateError(`Container ${rec.id} is ${paused ? 'already paused' : 'not paused'}`);
      const runtime = this.runtimeFor(rec.config.runtime);
      await (paused ? runtime.pause(rec.id) : runtime.resume(rec.id))
        .catch((e: Error) => { throw new EngineError(`Cannot ${paused ? 'pause' : 'unpause'} container ${ref}: ${e.message}`); });
      rec.state.paused = paused;
      this.store.saveState(rec.id, rec.state);
      recordEvent(this.paths, { id: rec.id, name: rec.name, action: paused ? 'pause' : 'unpause' });
      return rec;
    } finally {
      lock.release();
    }
  }

  /** Thaws a paused container (for kill, stop and rm -f: a frozen process cannot act on a signal). */
  private async thaw(rec: ContainerRecord): Promise<void> {
    if (!rec.state.paused) return;
    // Not paused any more (thawed behind our back) or gone: nothing to thaw either way.
    await this.runtimeFor(rec.config.runtime).resume(rec.id).catch(() => {});
    rec.state.paused = false;
    this.store.saveState(rec.id, rec.state);
  }

  /** Records (under the lock, so that a restart in progress cannot overwrite it) that the user
   * stopped the container: its restart policy must not bring it back. */
  private async markStopped(rec: ContainerRecord): Promise<ContainerRecord> {
    const lock = await this.store.lock(rec.id);
    try {
      const cur = this.store.get(rec.id);
      if (!cur) throw new NoSuchContainerError(rec.id);
      cur.state.stoppedByUser = true;
      this.store.saveState(cur.id, cur.state);
      return this.refresh(cur);
    } finally {
      lock.release();
    }
  }

  /** docker stop: the stop signal, then SIGKILL after `timeout` seconds; then cleanup. */
  async stop(ref: string, timeout?: number, signal?: string): Promise<ContainerRecord> {
    let rec = this.get(ref);
    let unclaim = () => {};
    if (rec.state.status === 'running' || rec.state.status === 'restarting') {
      const t = timeout ?? rec.config.stopTimeout;
      const sig = parseSignal(signal ?? rec.config.stopSignal);
      // Under the lock: waits out a restart in progress, and no restart follows this stop.
      rec = await this.markStopped(rec);
      // This process cleans up after the exit: conmon's exit command (a berth start) need not.
      unclaim = claimCleanup(this.claimPath(rec.id));
      const runtime = this.runtimeFor(rec.config.runtime);
      await this.thaw(rec);
      // A kill that fails (the process exited meanwhile) is judged by the wait that follows.
      if (t > 0 && rec.state.status === 'running') {
        await runtime.kill(rec.id, sig).catch(() => {});
        rec = (await this.waitExit(rec.id, t * 1000)) ?? rec;
      }
      if (rec.state.status === 'running') {
        await runtime.kill(rec.id, 9).catch(() => {});
        rec = (await this.waitExit(rec.id, 30_000)) ?? rec;
      }
      if (rec.state.status === 'running') throw new EngineError(`container ${rec.name} did not stop after SIGKILL`);
    }
    try {
      await this.cleanup(rec.id);
      await waitGone(rec.state.conmonPid);
    } finally {
      unclaim();
    }
    return this.store.get(rec.id) ?? rec;
  }

  // ---- remove ------------------------------------------------------------------------------

  async remove(ref: string, opts: { force?: boolean; volumes?: boolean } = {}): Promise<string> {
    const first = this.store.resolve(ref);
    let conmonPid = 0;
    let unclaim = () => {};
    const lock = await this.store.lock(first.id);
    try {
      const cur = this.store.get(first.id);
      if (!cur) throw new NoSuchContainerError(ref);
      let rec = this.refresh(cur);
      if (rec.state.status === 'running') {
        if (!opts.force) throw new ContainerStateError(`You cannot remove a running container ${rec.id}. Stop the container before attempting removal or force remove`);
        rec.state.stoppedByUser = true;
        this.store.saveState(rec.id, rec.state);
        // We remove it all: conmon's exit command (a berth start) need not clean up (handoff.ts).
        unclaim = claimCleanup(this.claimPath(rec.id));
        await this.runtimeFor(rec.config.runtime).kill(rec.id, 9).catch(() => { /* judged by the wait below */ });
        await this.thaw(rec);
        rec = (await this.waitExit(rec.id, 30_000)) ?? rec;
      }
      await this.destroy(rec, { volumes: opts.volumes ?? false });
      conmonPid = rec.state.conmonPid;
      return rec.id;
    } finally {
      lock.release();
      // conmon's exit command (waiting for our lock) finds nothing left: let it finish, so that
      // when rm returns, no process of this container is left.
      await waitGone(conmonPid);
      unclaim();
    }
  }

  /** Removes everything of a container (caller holds its lock or created it). */
  async destroy(rec: ContainerRecord, opts: { volumes: boolean }): Promise<void> {
    // A container whose process has exited (or never ran) has nothing left in its rootfs: the
    // (lazy) unmount need not wait for the runtime's delete, and runs beside it.
    const idle = rec.state.status === 'exited' || rec.state.status === 'created';
    rec.state.status = 'removing';
    const dir = this.dir(rec.id);
    if (idle) {
      const done = await Promise.allSettled([this.teardown(rec), unmountRootfs(join(dir, 'rootfs'))]);
      for (const d of done) if (d.status === 'rejected') throw d.reason;
    } else {
      await this.teardown(rec, () => unmountRootfs(join(dir, 'rootfs')));
    }
    if (isMounted(join(dir, 'rootfs'))) throw new EngineError(`cannot unmount ${join(dir, 'rootfs')}`);
    removeSnapshot(this.images(), rec.id);
    rmSync(dir, { recursive: true, force: true });
    rmSync(this.exitFile(rec.id), { force: true });
    rmSync(join(this.paths.sockets, rec.id.slice(0, 16)), { force: true });
    this.store.delete(rec.id);
    recordEvent(this.paths, { id: rec.id, name: rec.name, action: 'destroy' });
    if (opts.volumes) {
      for (const m of rec.config.mounts) {
        if (m.type === 'volume' && m.anonymous) await this.removeVolume(m.source).catch(() => {});
      }
    }
  }

  // ---- network connect / disconnect -------------------------------------------------------

  async connect(ref: string, network: string, aliases: string[] = []): Promise<void> {
    const first = this.store.resolve(ref);
    const lock = await this.store.lock(first.id);
    try {
      const rec = this.refresh(this.store.get(first.id)!);
      const c = rec.config;
      if (c.networkMode === 'host' || c.networkMode === 'none') throw new EngineError(`container sharing network namespace with ${c.networkMode} cannot be connected to networks`);
      const { inspectNetwork } = await import('../network/index.ts');
      await inspectNetwork(network, netOpts(this)).catch(() => { throw new EngineError(`network ${network} not found`); });
      if (networkName(c.networkMode) === network || c.extraNetworks?.includes(network)) throw new EngineError(`endpoint with name ${rec.name} already exists in network ${network}`);
      c.extraNetworks = [...(c.extraNetworks ?? []), network];
      for (const a of aliases) if (!c.networkAliases.includes(a)) c.networkAliases.push(a);
      if (rec.state.status === 'running') {
        await attachOne(this, rec, network);
        refreshPeerHosts(this, [network], rec.id);
        writeEtcFiles(this, rec);
      }
      this.store.db.prepare('UPDATE containers SET config = ? WHERE id = ?').run(JSON.stringify(c), rec.id);
    } finally {
      lock.release();
    }
  }

  async disconnect(ref: string, network: string): Promise<void> {
    const first = this.store.resolve(ref);
    const lock = await this.store.lock(first.id);
    try {
      const rec = this.refresh(this.store.get(first.id)!);
      const c = rec.config;
      if (networkName(c.networkMode) === network) {
        // docker allows it; the container keeps running with no interface on that network.
        c.networkMode = 'none';
      } else if (c.extraNetworks?.includes(network)) {
        c.extraNetworks = c.extraNetworks.filter((n) => n !== network);
      } else {
        throw new EngineError(`container ${rec.id} is not connected to network ${network}`);
      }
      if (rec.state.status === 'running') {
        await detachNetworks(this, rec, network);
        this.store.saveState(rec.id, rec.state);
        refreshPeerHosts(this, [network], rec.id);
        writeEtcFiles(this, rec);
      }
      this.store.db.prepare('UPDATE containers SET config = ? WHERE id = ?').run(JSON.stringify(c), rec.id);
    } finally {
      lock.release();
    }
  }

  // ---- volumes -----------------------------------------------------------------------------

  volumeUsers(name: string): string[] {
    return this.store.list().filter((r) => r.config.mounts.some((m) => m.type === 'volume' && m.source === name)).map((r) => r.id);
  }

  async removeVolume(name: string, force = false): Promise<void> {
    const v = this.store.volume(name);
    if (!v) {
      const { NoSuchVolumeError } = await import('./errors.ts');
      throw new NoSuchVolumeError(name);
    }
    const users = this.volumeUsers(name);
    if (users.length && !force) throw new VolumeInUseError(name, users);
    this.store.deleteVolumeRecord(name);
    rmSync(join(this.paths.volumes, name), { recursive: true, force: true });
  }

  /** Names of containers; helper for ps and prune. */
  containerIds(): string[] {
    return readdirSync(this.paths.containers);
  }
}

/** Waits (bounded) until a process is gone; a zombie counts as gone (pid 1 here never reaps). */
async function waitGone(pid: number, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  // conmon exits within a few ms of its exit command; every rm and foreground run waits here.
  while (pid > 0 && processAlive(pid) && Date.now() < end) await sleep(2);
}

/** What `update` may change; absent fields stay. memorySwap -1: unlimited; pidsLimit <= 0: none. */
export interface ResourceUpdate {
  memory?: number;
  memorySwap?: number;
  cpus?: number;
  pidsLimit?: number;
  restart?: RestartPolicy;
}

export interface StartHooks {
  /** Runs once the runtime created the container (the attach socket exists), before its process runs. */
  beforeStart?: (rec: ContainerRecord) => Promise<void>;
  /** The caller cleans up after the exit (finishForeground); conmon's exit command only if it dies. */
  handoff?: { fifo: string; pid: number };
}

function validateMount(m: MountSpec): void {
  const spec = `${m.source}:${m.target}`;
  if (!m.target.startsWith('/')) throw new MountSpecError(spec, `destination "${m.target}" is not an absolute path`);
  if (m.target === '/') throw new MountSpecError(spec, 'destination can\'t be \'/\'');
  if (m.type === 'bind') {
    if (!m.source.startsWith('/')) throw new MountSpecError(spec, `bind source "${m.source}" is not an absolute path`);
    if (!existsSync(m.source)) throw new MountSpecError(spec, `bind source path does not exist: ${m.source}`);
  }
  if (m.type === 'volume' && m.source && !/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(m.source)) {
    throw new MountSpecError(spec, `"${m.source}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed`);
  }
}

/** docker copies the image's files at a volume's mount point into a new volume. */
function seedVolume(from: string, to: string): void {
  try {
    if (!statSync(from).isDirectory()) return;
  } catch { return; }
  if (readdirSync(to).length) return;
  cpSync(from, to, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
}
