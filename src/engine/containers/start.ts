// Starting a container: its rootfs, netns and networks, the etc files and the spec, then conmon
// (which has the runtime create it) and the runtime's start. The speed of `run` lives here:
// with our own runtime conmon starts first (or was prelaunched during create) and its start
// overlaps everything else; the netns and the rootfs mount run at once; the CNI plugins run
// while the runtime creates the container; the relayed create gets its plan computed ahead.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname as osHostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { renderSpec, type Seccomp } from '../../oci/index.ts';
import { listenRelay, relayEnv, type RelayServer } from '../../runtime/relay.ts';
import { dockerDefaultProfile } from '../../runtime/seccomp/index.ts';
import { trace } from '../../util/trace.ts';
import { exitCodeFor, startConmon } from '../conmon.ts';
import type { EngineCore, Prelaunched } from '../core.ts';
import { ContainerStateError, StartError } from '../errors.ts';
import { recordEvent } from '../events.ts';
import { claimCleanup, claimExitCommand, handoffExitCommand, type Handoff } from '../handoff.ts';
import { connectNetworks, makeNetns, writeEtcFiles } from '../netglue.ts';
import { podJoin } from '../pods/join.ts';
import type { StartHooks } from '../requests.ts';
import { mountRootfs } from '../rootfs.ts';
import { isOwnRuntime, relayPath } from '../runtime.ts';
import { buildSpec, effectiveCaps, hostCaps } from '../spec.ts';
import type { ContainerRecord } from '../types.ts';
import { teardown } from './teardown.ts';
import { takePrecreated } from './precreate.ts';
import { takeAhead } from './start-ahead.ts';
import { openHandoff, removeAfterExit } from './cleanup.ts';
import { waitGone } from './wait.ts';

/** Starts a created or exited container. `beforeStart` runs once the runtime created it (the
 * attach socket exists) and before its process runs: attach there to miss no output. A start
 * begun ahead (start-ahead.ts) or a runtime create done ahead (precreate.ts) is taken over. */
export async function start(core: EngineCore, ref: string, hooks: StartHooks = {}): Promise<ContainerRecord> {
  const found = core.store.resolve(ref);
  const id = found.id;
  const begun = await takeAhead(core, id);
  // Everything taken from here on is given back in the finally, whatever throws.
  let releaseWarm = () => {};
  let own: Handoff | undefined;
  let started = false;
  try {
    const ahead = await takePrecreated(core, id);
    // The runtime's create (its cgroup join) is still to come unless it was done ahead.
    if (!ahead) releaseWarm = await core.warmUp();
    // The handoff the monitor begun ahead was given, else the caller's, else one this
    // (long-lived) process opens to remove an AutoRemove container itself after its exit
    // (removeHere).
    own = begun?.handoff
      ?? (!hooks.handoff && hooks.removeHere && found.config.autoRemove ? await openHandoff(core, id) : undefined);
    const handoff = own ?? hooks.handoff;
    const rec = await core.locked(id, async (rec) => {
      if (rec.state.status === 'running') return rec;
      if (rec.state.status === 'removing') throw new ContainerStateError(`container ${rec.name} is being removed`);
      const h = handoff ? { ...hooks, handoff } : hooks;
      // Created in the runtime already (precreate.ts): only its start is left, unless its
      // process went meanwhile (a stop, the pod's end): then the whole start, which clears it.
      const waiting = ahead && rec.state.status === 'created'
        && (await core.runtimeFor(rec.config.runtime).state(rec.id).catch(() => undefined))?.status === 'created';
      if (ahead && waiting) {
        Object.assign(rec.state, { pid: ahead.pid, conmonPid: ahead.conmonPid });
        await finishStart(core, rec, h);
      } else {
        // Its old monitor writes an exit file as it goes: before this start clears it.
        if (ahead) await waitGone(ahead.conmonPid);
        await startLocked(core, rec, h);
      }
      started = true;
      return rec;
    });
    if (own && started) void removeAfterExit(core, rec.id, own, rec.state.conmonPid);
    return rec;
  } finally {
    releaseWarm();
    begun?.stopWarm();
    if (own && !started) { own.done(); own.close(); }
    // A prelaunched monitor startLocked did not take over (it takes it first thing).
    await core.dropPrelaunch(id, new StartError('the container did not start'));
  }
}

/**
 * Starts a new container's monitor (conmon and the relay) before its rootfs and spec exist, for
 * a start that follows at once (`run`): conmon's start (10–20 ms) then overlaps the rest of
 * create as well as start's own work. Only for our own runtime without a terminal or stdin
 * (their attach socket and FIFOs must not be touched by start's clean-up); false otherwise.
 * The next start of the container takes it over; a create that fails or the container's
 * removal aborts it.
 */
export async function prelaunch(core: EngineCore, rec: ContainerRecord, hooks: StartHooks = {}): Promise<boolean> {
  const c = rec.config;
  if (!isOwnRuntime(c.runtime) || c.tty || c.openStdin || core.prelaunched.has(rec.id)) return false;
  core.prelaunched.set(rec.id, await launchMonitor(core, rec, hooks, true));
  return true;
}

/**
 * Ends a monitor prelaunched for a start that is not coming after all (start-ahead.ts: a Docker
 * API create whose start did not follow). Its create fails, and conmon then runs its exit command: that must not
 * clean up (an AutoRemove container would be removed before its start): the handoff it was given
 * is told "done", a claim stops the plain exit command, until conmon is gone.
 */
export async function dropPrelaunched(core: EngineCore, id: string, handoff?: Handoff): Promise<void> {
  // Only while it is still just created: a container another process started meanwhile has a
  // monitor of its own (its conmon.pid, its exit command, which must not find a claim of ours);
  // our exit command then finds it running and does nothing.
  // (Removed meanwhile, by another process too: no monitor but this one, and nothing to clean up.)
  const status = core.store.getState(id)?.state.status;
  const created = status === 'created';
  const unclaim = created || !status ? claimCleanup(core.claimPath(id)) : () => {};
  try {
    await core.dropPrelaunch(id, new StartError('the container was not started'));
    handoff?.done();
    let conmonPid = 0;
    try { if (created) conmonPid = Number(readFileSync(join(core.dir(id), 'conmon.pid'), 'utf8').trim()) || 0; } catch { /* none started */ }
    await waitGone(conmonPid);
  } finally {
    handoff?.close();
    unclaim();
  }
}

/** The start itself; the caller holds the container's lock (start, or cleanup's restart). */
export async function startLocked(core: EngineCore, rec: ContainerRecord, hooks: StartHooks): Promise<void> {
  await createLocked(core, rec, hooks);
  await finishStart(core, rec, hooks);
}

/** The start up to the runtime's create (its process waits for the runtime's start):
 * rec.state.pid and conmonPid are set, not saved. On failure what it made is undone, the
 * error saved in the record and thrown. The caller holds the container's lock. */
export async function createLocked(core: EngineCore, rec: ContainerRecord, hooks: StartHooks): Promise<void> {
  const c = rec.config, dir = core.dir(rec.id);
  const pre = core.prelaunched.get(rec.id);
  core.prelaunched.delete(rec.id);
  // Leftovers of a previous run (normally gone through cleanup); a container never started has
  // none (a failed start tore its own down), and the scan of every network's attachments would
  // cost a first start ~3 ms. A prelaunched container is new, and its conmon's files are fresh.
  if (!pre) {
    // (A create that never got its start, precreate.ts, left the runtime's record.)
    if (rec.state.startedAt || rec.state.netnsPath || Object.keys(rec.state.networks).length || core.runtimeFor(c.runtime).mayHaveState(rec.id)) await teardown(core, rec);
    rmSync(core.exitFile(rec.id), { force: true });
    for (const f of ['oom', 'attach', 'ctl', 'winsz', 'runtime.log']) rmSync(join(dir, f), { force: true });
  }
  // The netns is made (a berth-mount exec) while the rootfs is mounted (another); the CNI
  // plugins (~10 ms each, more under load) run while conmon has the runtime create the
  // container in the netns; both are done before the runtime's start lets the process run.
  // A pod's container joins the pod's namespaces and binds its etc files: nothing to make.
  const pod = c.pod ? podJoin(core.paths, c.pod.podId) : undefined;
  const netnsMade = c.networkMode !== 'host' && !pod ? makeNetns(core, rec) : undefined;
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
    else if (early) ({ relay, conmonStarted } = await launchMonitor(core, rec, hooks, true));
    await mountRootfs(core.images(), rec.id, c.chainId, join(dir, 'rootfs'), { volatile: c.autoRemove || !!c.volatileRootfs });
    trace('start: rootfs mounted');
    if (netnsMade) {
      await netnsMade;
      connecting = connectNetworks(core, rec);
      connecting.catch(() => { /* awaited below */ });
    }
    // Written before the runtime binds them in; rewritten in place once the addresses are known.
    trace('start: netns made');
    if (!pod) writeEtcFiles(core, rec);
    const user = core.userOf(rec);
    let seccomp: Seccomp | undefined;
    const availableCaps = hostCaps();
    if (c.seccomp === 'default') seccomp = dockerDefaultProfile({ caps: effectiveCaps(c.capAdd, c.capDrop, c.privileged, availableCaps) });
    else if (c.seccomp !== 'unconfined') seccomp = c.seccomp.profile;
    const spec = buildSpec({
      id: rec.id, config: c, rootfs: join(dir, 'rootfs'), user, netnsPath: pod ? pod.netnsPath : rec.state.netnsPath,
      hostsPath: pod?.hostsPath ?? join(dir, 'hosts'), hostnamePath: pod?.hostnamePath ?? join(dir, 'hostname'),
      resolvConfPath: pod?.resolvConfPath ?? join(dir, 'resolv.conf'), ...(pod ? { pod } : {}),
      mountSources: c.mounts.map((m) => m.type === 'volume' ? core.store.volumeMountpoint(m.source) : m.source),
      seccomp, availableCaps, cgroupParent: pod?.cgroupParent ?? core.paths.cgroupParent, initPath: c.init ? core.initBinary() : undefined, hostHostname: osHostname(),
      rootless: core.rootless() ?? undefined,
    });
    if (c.tty && c.consoleSize) spec.process!.consoleSize = c.consoleSize;
    writeFileSync(join(dir, 'config.json'), renderSpec(spec));
    trace('start: config.json written');
    if (!early) ({ relay, conmonStarted } = await launchMonitor(core, rec, hooks, false));
    // conmon takes a while to start and run the relay: the plan is computed meanwhile.
    // The spec object config.json was just written from: no need to read and check it again.
    if (relay && !c.tty) relay.prepareAhead({ bundle: dir, pidFile: join(dir, 'pidfile'), spec });
    const pid = await conmonStarted!;
    trace('start: conmon reported the pid');
    rec.state.pid = pid;
    rec.state.conmonPid = Number(readFileSync(join(dir, 'conmon.pid'), 'utf8').trim()) || 0;
    if (connecting) {
      await connecting;
      writeEtcFiles(core, rec);
    }
    trace('start: networks connected');
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
    await core.runtimeFor(c.runtime).delete(rec.id, { force: true }).catch(() => { /* the start's error is the one to report */ });
    await teardown(core, rec).catch(() => {});
    core.store.saveState(rec.id, rec.state);
    throw e;
  }
}

/** The rest of a start once the runtime created the container (createLocked): beforeStart, the
 * runtime's start, the record. On failure the created container goes. Under the lock. */
export async function finishStart(core: EngineCore, rec: ContainerRecord, hooks: StartHooks): Promise<void> {
  const runtime = core.runtimeFor(rec.config.runtime);
  try {
    if (hooks.beforeStart) await hooks.beforeStart(rec);
    await runtime.start(rec.id).catch((e: Error) => { throw new StartError(`OCI runtime start failed: ${e.message}`); });
    trace('start: runtime start done');
    Object.assign(rec.state, { status: 'running', startedAt: new Date().toISOString(), paused: false, finishedAt: '', exitCode: 0, error: '', oomKilled: false, stoppedByUser: false });
    core.store.saveState(rec.id, rec.state);
    recordEvent(core.paths, { id: rec.id, name: rec.name, action: 'start' });
  } catch (e) {
    rec.state.error = (e as Error).message;
    rec.state.pid = 0;
    await runtime.delete(rec.id, { force: true }).catch(() => { /* the start's error is the one to report */ });
    await teardown(core, rec).catch(() => {});
    core.store.saveState(rec.id, rec.state);
    throw e;
  }
}

/** Starts conmon for a container's create; with our own runtime, through berth-relay and a
 * relay server here (`awaitAhead`: the bundle is still being made). */
async function launchMonitor(core: EngineCore, rec: ContainerRecord, hooks: StartHooks, awaitAhead: boolean): Promise<Prelaunched> {
  const c = rec.config, dir = core.dir(rec.id);
  const cli = core.opts.cli;
  const cleanup = cli ? [...cli, '--root', core.paths.root, '--run-root', core.paths.runRoot, 'container', 'cleanup', rec.id] : undefined;
  // Our own runtime's create runs here, over berth-relay (src/runtime/relay.ts): no Node start.
  const relay = isOwnRuntime(c.runtime)
    ? await listenRelay(join(core.paths.runRoot, 'relay', `${rec.id.slice(0, 16)}.sock`), { root: core.paths.runtimeRoot, id: rec.id, awaitAhead })
    : undefined;
  const conmonStarted = startConmon({
    id: rec.id, cuuid: rec.id.slice(0, 16), name: rec.name, runtime: relay ? relayPath() : c.runtime, runtimeRoot: core.paths.runtimeRoot,
    bundle: dir, pidFile: join(dir, 'pidfile'), conmonPidFile: join(dir, 'conmon.pid'), logPath: core.logPath(rec), runtimeLog: join(dir, 'runtime.log'),
    logSizeMax: c.logSizeMax, exitDir: core.paths.exits, socketDir: core.paths.sockets, terminal: c.tty, stdin: c.openStdin,
    // As docker: a terminal's input is not closed when a client detaches or goes away (a later
    // attach types into it); a plain stdin closes with its client's end (docker run -i).
    leaveStdinOpen: c.tty,
    ...(cleanup ? { exitCommand: hooks.handoff ? handoffExitCommand(hooks.handoff, cleanup) : claimExitCommand(core.claimPath(rec.id), cleanup) } : {}),
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
