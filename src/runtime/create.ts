// `create` and `run`: bundle → plan → helper → a container waiting on its exec fifo.
// Everything made along the way (state dir, cgroup, init process) is undone on any failure, so a
// failed create leaves nothing behind and reports the step that failed.
import { copyFileSync, existsSync, mkdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import type { CgroupPlan, RuntimePlan, Step } from './plan.ts';
import {
  type ContainerRecord, OCI_VERSION, containerDir, fifoPath, hookState, procStat, rfc3339Now,
  validateId, writeFileAtomic, writeRecord,
} from './state.ts';
import { ContainerExistsError, CreateError } from './errors.ts';
import { acquireLock, type Lock } from './lock.ts';
import { runHooks, runHooksCollect } from './hooks.ts';
import { killAndWait, lockPath, startContainer, type Warn } from './container.ts';
import { removeCgroupDirs } from './cgroup-glue.ts';
import { loadBundle } from '../oci/index.ts';
import type { Spec } from '../oci/index.ts';
import { probeHost } from './host.ts';
import { signalExitCode } from './signals.ts';
import { rootlessCgroup, writeIdMaps } from './rootless.ts';
import { planCreate, renderPlan } from './planner.ts';
import { joinCgroup, keepAttachWarm, planCgroup, prepareCgroup, type CgroupHost } from './cgroups/index.ts';
import { trace } from '../util/trace.ts';
import { startHelper, HelperError, type HelperSession, type StartHelperHow, type StdioSlot } from './helper.ts';
import { bundleWantsTerminal, callerTtySize, startTtyRelay, type TtyRelay } from './tty-relay.ts';

export interface CreateOptions {
  root: string;
  id: string;
  /** Bundle directory (made absolute here). */
  bundle: string;
  pidFile?: string;
  consoleSocket?: string;
  /** Extra fds 3..3+n-1 handed to the container unchanged. */
  preserveFds?: number;
  noPivot?: boolean;
  noNewKeyring?: boolean;
  /** --systemd-cgroup: accepted; a systemd slice cgroupsPath is refused with a clear error. */
  systemdCgroup?: boolean;
  /** The container's fds 0-2 (default: ours). */
  stdio?: [StdioSlot, StdioSlot, StdioSlot];
  /** Keep the helper's stage 0 as the init's reaper (run in the foreground). */
  wait?: boolean;
  /** Progress messages (--debug). */
  debug?: Warn;
  /** The cgroup layout to plan the container's cgroup in (default: the host's, probed). Tests
   * use it to put a container in a cgroup2 tree on a hybrid host. */
  cgroupHost?: CgroupHost;
  /** The pty's first size when config.json gives none (a relayed terminal takes the caller's). */
  consoleSize?: { height: number; width: number };
  /** Socket-activation fds passed on before the preserved ones (default: $LISTEN_FDS). */
  listenFds?: number;
  /** Starts the helper for the plan's steps (default: spawn build/berth-init with `stdio`,
   * `wait` and the preserved fds); relay.ts hands in the one berth-relay started, berthd the
   * one berth-runtime-client starts in its caller's process tree. */
  startHelper?: (steps: Step[], how: StartHelperHow) => HelperSession;
  /** The bundle's config.json as the caller wrote it (the engine, from this very object): its
   * parse and validation are skipped. */
  spec?: Spec;
  /** The plan's cgroup (directories, limits, device program) exists already: relay.ts makes it
   * while conmon starts. Removed like one made here if the create fails. */
  cgroupPrepared?: boolean;
}

interface Prepared {
  spec: Spec;
  rootfs: string;
  bundle: string;
  plan: RuntimePlan;
}

/** Loads the bundle and computes the plan; no side effects (used by --dry-run too). */
export async function prepareCreate(opts: CreateOptions): Promise<Prepared> {
  validateId(opts.id);
  const bundle = resolve(opts.bundle);
  const { spec, rootfs } = opts.spec ? trustedBundle(bundle, opts.spec) : loadBundle(bundle);
  const cgroupsPath = spec.linux?.cgroupsPath;
  if (opts.systemdCgroup && cgroupsPath && /^[^/:]*:[^:]*:[^:]*$/.test(cgroupsPath)) {
    throw new CreateError(opts.id, `linux.cgroupsPath ${JSON.stringify(cgroupsPath)}: systemd slice cgroup paths need a systemd cgroup driver, which berth-runtime does not have; use a cgroupfs path such as "/berth/${opts.id}"`);
  }
  if (opts.consoleSize && spec.process?.terminal && !spec.process.consoleSize) spec.process.consoleSize = opts.consoleSize;
  trace('prepare: start');
  const host = probeHost();
  trace('prepare: host probed');
  // The spec's numeric fields may be bigints where config.json holds values above 2^53.
  let cgroup: CgroupPlan | null = planCgroup(spec.linux ?? {}, opts.id, opts.cgroupHost ?? host.cgroup);
  // Root of a user namespace (rootless berth's engine) is no root for the host's cgroups either.
  if (!host.root || host.inUserNamespace) {
    const r = rootlessCgroup(cgroup);
    cgroup = r.cgroup;
    if (r.dropped) opts.debug?.(`create ${opts.id}: ${r.dropped}`);
    // Loading a BPF program needs privileges a rootless caller lacks (runc skips it too); its
    // container sees only the devices bind-mounted from the host, which it could open anyway.
    if (cgroup?.devices) {
      const { devices: _, ...rest } = cgroup;
      cgroup = rest;
      opts.debug?.(`create ${opts.id}: no device program on cgroup v2 without root`);
    }
  }
  let seccompFilter: { flags: number; filter: Buffer } | undefined;
  if (spec.linux?.seccomp) {
    const { compileSeccompCached } = await import('./seccomp/index.ts');
    trace('prepare: seccomp');
    seccompFilter = compileSeccompCached(spec.linux.seccomp as Parameters<typeof compileSeccompCached>[0], { nativeArch: process.arch }, `${opts.root}/.seccomp-cache`);
    trace('prepare: seccomp done');
  }
  const stateDir = containerDir(opts.root, opts.id);
  const listenFds = opts.listenFds ?? (Number(process.env.LISTEN_FDS ?? 0) || 0);
  const plan = planCreate(spec, {
    id: opts.id,
    bundle,
    rootfs,
    stateDir,
    execFifo: fifoPath(opts.root, opts.id),
    consoleSocket: opts.consoleSocket ? resolve(opts.consoleSocket) : undefined,
    noPivot: opts.noPivot,
    noNewKeyring: opts.noNewKeyring,
    preserveFds: listenFds + (opts.preserveFds ?? 0),
    seccompFilter,
    cgroup,
  }, host);
  return { spec, rootfs, bundle, plan };
}

/** What loadBundle gives, for a spec the caller made and wrote itself. */
function trustedBundle(bundle: string, spec: Spec): { spec: Spec; rootfs: string } {
  const rootPath = spec.root?.path ?? 'rootfs';
  const rootfs = isAbsolute(rootPath) ? resolve(rootPath) : resolve(bundle, rootPath);
  if (!existsSync(rootfs)) throw new CreateError('', `root.path: ${rootfs} does not exist`);
  return { spec, rootfs };
}

/** `create --dry-run`: the plan as text. */
export async function dryRun(opts: CreateOptions): Promise<string> {
  return renderPlan((await prepareCreate(opts)).plan);
}

export interface Created {
  record: ContainerRecord;
  /** The helper session; with `wait`, its `exited` resolves with the container's exit. */
  session: HelperSession;
}

export async function createContainer(opts: CreateOptions): Promise<Created> {
  // The cgroup join's RCU grace period, paid while the plan is computed (keepAttachWarm).
  // Always the probed layout: only it knows which cgroup we are in (a cgroupHost override
  // describes where the container goes), and a write of our pid elsewhere would move us.
  const stopWarm = keepAttachWarm(probeHost().cgroup);
  let created: Created;
  let prepared: Prepared;
  try {
    prepared = await prepareCreate(opts);
    const { spec, rootfs, bundle, plan } = prepared;
    created = await launchContainer(opts, { plan, rootfs, bundle, annotations: spec.annotations ?? {} });
  } finally {
    stopWarm();
  }
  const { bundle } = prepared;
  // `exec` takes the container's process and seccomp profile from the config as it was at
  // create: later edits to the bundle's config.json must not change a running container.
  try { copyFileSync(join(bundle, 'config.json'), join(containerDir(opts.root, opts.id), 'config.json')); } catch { /* exec falls back to the bundle */ }
  return created;
}

/** Runs a computed plan: the effects half of `create`. */
export async function launchContainer(
  opts: CreateOptions,
  { plan, rootfs, bundle, annotations }: { plan: RuntimePlan; rootfs: string; bundle: string; annotations: Record<string, string> },
): Promise<Created> {
  const id = opts.id;
  const dir = containerDir(opts.root, id);
  mkdirSync(opts.root, { recursive: true, mode: 0o711 });
  try {
    mkdirSync(dir, { mode: 0o711 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new ContainerExistsError(id);
    throw e;
  }
  let lock: Lock | undefined;
  let session: HelperSession | undefined;
  let pid = 0;
  let startTime = '';
  const cgroupDirs = plan.cgroup?.dirs ?? [];
  let cgroupTouched = false;
  try {
    lock = await acquireLock(lockPath(opts.root, id));
    const preserve = plan.preserveFds;
    session = opts.startHelper ? opts.startHelper(plan.steps, { wait: !!opts.wait, preserveFds: preserve }) : startHelper(plan.steps, {
      wait: !!opts.wait,
      stdio: opts.stdio ?? ['inherit', 'inherit', 'inherit'],
      preserveFds: preserve,
    });
    // The cgroup's directories and limits need no pid: make them while the helper starts up
    // (exec, clone) on another CPU; only the procs writes wait for the pid.
    trace('create: helper started');
    if (plan.cgroup) {
      cgroupTouched = true;
      if (!opts.cgroupPrepared) await makeCgroup(plan.cgroup);
      trace('create: cgroup prepared');
    }
    pid = await session.pid();
    opts.debug?.(`create ${id}: helper started, init pid ${pid}, ${plan.steps.length} steps`);
    startTime = procStat(pid)?.startTime ?? '';
    // Now, while the init is still dumpable: after "go" it is not, and without root its exe
    // can no longer be read.
    const initExe = readlinkSync(`/proc/${pid}/exe`);
    await writeIdMaps(pid, plan);
    trace('create: init pid known');
    if (plan.cgroup) joinCgroup(plan.cgroup, pid);
    trace('create: cgroup joined');
    const base = { id, pid, bundle, annotations };
    opts.debug?.(`create ${id}: id maps written, cgroup joined (${cgroupDirs.length} dirs)`);
    session.send(['state', hookState(base, 'creating')]);
    session.send(['go']);
    trace('create: go sent');
    for (;;) {
      const rec = await session.next();
      if (rec[0] === 'sync' && rec[1] === 'hooks') {
        opts.debug?.(`create ${id}: running prestart and createRuntime hooks`);
        const st = hookState(base, 'created');
        await runHooks('prestart', plan.hooks.prestart, st);
        await runHooks('createRuntime', plan.hooks.createRuntime, st);
        session.send(['go']);
      } else if (rec[0] === 'report' && rec[1] === 'created') {
        break;
      } else if (rec[0] === 'error') {
        throw HelperError.fromRecord(rec);
      } else {
        throw new Error(`unexpected message from the helper: ${JSON.stringify(rec)}`);
      }
    }
    const record: ContainerRecord = {
      ociVersion: OCI_VERSION,
      id,
      pid,
      initStartTime: startTime,
      initExe,
      bundle,
      rootfs,
      created: rfc3339Now(),
      annotations,
      cgroupDirs,
      ownPidNamespace: plan.steps.some((s) => s.op === 'clone' && s.namespaces.includes('pid')),
      hooks: { poststart: plan.hooks.poststart, poststop: plan.hooks.poststop },
    };
    writeRecord(opts.root, record);
    if (opts.pidFile) writeFileAtomic(resolve(opts.pidFile), String(pid));
    return { record, session };
  } catch (e) {
    await undoCreate(opts.root, id, session, pid, startTime, cgroupTouched ? cgroupDirs : []);
    throw toCreateError(id, e);
  } finally {
    lock?.release();
  }
}

/** The cgroup's directories and limits, and on v2 its device program: attached before the init
 * joins, so it never runs without them. */
export async function makeCgroup(cgroup: CgroupPlan): Promise<void> {
  trace('cgroup: making');
  await prepareCgroup(cgroup);
  trace('cgroup: dirs made');
  if (cgroup.devices) {
    const { attachDeviceProgram } = await import('./devbpf/index.ts');
    await attachDeviceProgram(cgroup.dirs[0], cgroup.devices);
  }
}

function toCreateError(id: string, e: unknown): CreateError {
  if (e instanceof CreateError) return e;
  if (e instanceof HelperError) return new CreateError(id, e.reason, e.index, e.op, { cause: e });
  return new CreateError(id, (e as Error)?.message ?? String(e), undefined, undefined, { cause: e });
}

async function undoCreate(root: string, id: string, session: HelperSession | undefined, pid: number, startTime: string, cgroupDirs: string[]): Promise<void> {
  try { session?.send(['abort']); } catch { /* channel already closed */ }
  if (pid > 0 && startTime) {
    try { await killAndWait({ pid, initStartTime: startTime, cgroupDirs }); } catch { /* best effort; reported by leftovers */ }
  }
  if (session) {
    session.close();
    await session.exited.catch(() => {});
  }
  try { await removeCgroupDirs(cgroupDirs); } catch { /* best effort */ }
  rmSync(containerDir(root, id), { recursive: true, force: true });
}

export interface RunOptions extends CreateOptions {
  detach?: boolean;
  /** Messages for hook failures after start. */
  warn: Warn;
  /** The caller's signals reach the helper's stage 0 without us (berth-runtime-client forwards
   * them; stage 0 passes them to the init): this process installs no handlers. */
  signalsForwarded?: boolean;
}

/** `run`: create + start; in the foreground also wait, clean up, and return the exit code. A
 * terminal without --console-socket is relayed to ours (raw mode, window size), as runc does. */
export async function runContainer(opts: RunOptions): Promise<number> {
  let relay: TtyRelay | undefined;
  if (!opts.detach && !opts.consoleSocket && bundleWantsTerminal(resolve(opts.bundle))) {
    relay = await startTtyRelay();
    opts = { ...opts, consoleSocket: relay.socket, consoleSize: opts.consoleSize ?? callerTtySize() };
  }
  let created: Created;
  try {
    created = await createContainer({ ...opts, wait: !opts.detach });
  } catch (e) {
    relay?.abort();
    throw e;
  }
  const { record, session } = created;
  if (opts.detach) {
    session.close();
    await startContainer(opts.root, opts.id, opts.warn);
    return 0;
  }
  // Signals sent to us go to the container (through stage 0, which forwards them to the init).
  const forward = opts.signalsForwarded ? [] : ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH'] as const;
  const handlers = forward.map((sig) => {
    const h = () => { try { process.kill(record.pid, sig); } catch { /* gone */ } };
    process.on(sig, h);
    return [sig, h] as const;
  });
  try {
    // Nothing here needs the exec to have happened unless poststart hooks must follow it.
    await startContainer(opts.root, opts.id, opts.warn, { awaitExec: record.hooks.poststart.length > 0 });
    const { code, signal } = await session.exited;
    // The relay ends when the pty hangs up, after the last output.
    await relay?.finish();
    return code ?? (signal ? signalExitCode(signal) : 1);
  } catch (e) {
    await killAndWait(record).catch(() => {});
    throw e;
  } finally {
    relay?.abort();
    for (const [sig, h] of handlers) process.off(sig, h);
    session.close();
    await finishRun(opts.root, record, opts.warn);
  }
}

async function finishRun(root: string, record: ContainerRecord, warn: Warn): Promise<void> {
  // Children of the init outside a pid namespace may outlive it; the container ends with it.
  await killAndWait(record).catch((e) => warn((e as Error).message));
  for (const e of await runHooksCollect('poststop', record.hooks.poststop, hookState(record, 'stopped'))) warn(e.message);
  await removeCgroupDirs(record.cgroupDirs).catch((e) => warn((e as Error).message));
  rmSync(containerDir(root, record.id), { recursive: true, force: true });
}


