// docker stop (the stop signal, SIGKILL after the timeout, then the cleanup, done here rather
// than by conmon's exit command) and kill (a signal; the user's stop: no restart follows).
import { parseSignal } from '../../runtime/signals.ts';
import type { EngineCore } from '../core.ts';
import { ContainerStateError, EngineError, NoSuchContainerError } from '../errors.ts';
import { claimCleanup } from '../handoff.ts';
import type { StopOptions, StopResult } from '../requests.ts';
import type { ContainerRecord } from '../types.ts';
import { cleanup } from './cleanup.ts';
import { thaw } from './update-pause.ts';
import { waitExit, waitGone } from './wait.ts';
import { processAlive } from '../../util/proc.ts';
import { trace } from '../../util/trace.ts';
import type { Lock } from '../../util/lock.ts';

/** Records (under the lock, so that a restart in progress cannot overwrite it) that the user
 * stopped the container: its restart policy must not bring it back. */
async function markStopped(core: EngineCore, rec: ContainerRecord): Promise<ContainerRecord> {
  const lock = await core.store.lock(rec.id);
  try {
    const cur = core.store.get(rec.id);
    if (!cur) throw new NoSuchContainerError(rec.id);
    cur.state.stoppedByUser = true;
    core.store.saveState(cur.id, cur.state);
    return core.refresh(cur);
  } finally {
    lock.release();
  }
}

export async function stop(core: EngineCore, ref: string, opts: StopOptions = {}): Promise<StopResult> {
  let rec = core.get(ref);
  // This process cleans up after the exit: conmon's exit command (a berth start, 60-100 ms that
  // the wait for conmon below would include) need not. Claimed before anything else, for a
  // container that has just ended on its own too (StopPodSandbox kills the infra at the same
  // time, which can take the container with it before it is seen running here).
  const monitored = rec.state.status !== 'created' && processAlive(rec.state.conmonPid);
  let unclaim = monitored ? claimCleanup(core.claimPath(rec.id)) : () => {};
  try {
    // Under the lock: waits out a restart in progress, and no restart follows this stop, also for
    // a container between two runs of its restart policy (exited, its exit command about to
    // restart it: the cleanup below would have restarted it too).
    if (rec.state.status !== 'created') rec = await markStopped(core, rec);
    const stopped = rec.state.status === 'running' || rec.state.status === 'restarting';
    if (stopped) {
      const t = opts.timeout ?? rec.config.stopTimeout;
      const sig = parseSignal(opts.signal ?? rec.config.stopSignal);
      const runtime = core.runtimeFor(rec.config.runtime);
      await thaw(core, rec);
      // A kill that fails (the process exited meanwhile) is judged by the wait that follows.
      if (t > 0 && rec.state.status === 'running') {
        await runtime.kill(rec.id, sig).catch(() => {});
        rec = (await waitExit(core, rec.id, t * 1000)) ?? rec;
      }
      if (rec.state.status === 'running') {
        await runtime.kill(rec.id, 9).catch(() => {});
        rec = (await waitExit(core, rec.id, 30_000)) ?? rec;
      }
      trace('stop: exited');
      if (rec.state.status === 'running') throw new EngineError(`container ${rec.name} did not stop after SIGKILL`);
    }
    const conmonPid = rec.state.conmonPid;
    const finish = async (held?: Lock) => {
      await cleanup(core, rec.id, held);
      trace('stop: cleaned up');
      await waitGone(conmonPid);
      trace('stop: conmon gone');
    };
    if (opts.cleanUpAfter && stopped && core.opts.longLived && rec.config.pidMode === 'private') {
      // The container's lock is taken before the answer and held until the clean-up is done, so
      // that nothing (a start, a stop, a removal) comes between; the claim stays until the
      // monitor is gone (the exit command must not run the clean-up meanwhile).
      const lock = await core.store.lock(rec.id);
      const claimed = unclaim;
      unclaim = () => {};
      const gate = opts.cleanUpAfter === true ? Promise.resolve() : opts.cleanUpAfter.then(() => {}, () => {});
      const cleanedUp = gate.then(() => finish(lock)).then(
        () => {},
        (e: Error) => core.log(`container ${rec.name} (${rec.id}): the clean-up after its stop failed: ${e.message}`),
      ).finally(claimed);
      core.inBackground(cleanedUp);
      return { container: rec, stopped, cleanedUp };
    }
    await finish();
    return { container: core.store.get(rec.id) ?? rec, stopped };
  } finally {
    unclaim();
  }
}

export async function kill(core: EngineCore, ref: string, signal = 'SIGKILL'): Promise<ContainerRecord> {
  let rec = core.get(ref);
  const sig = parseSignal(signal);
  if (rec.state.status === 'restarting') rec = await markStopped(core, rec);
  if (rec.state.status !== 'running') throw new ContainerStateError(`Cannot kill container: ${ref}: container ${rec.id} is not running`);
  rec = await markStopped(core, rec);
  try {
    await core.runtimeFor(rec.config.runtime).kill(rec.id, sig);
  } catch (e) {
    if (core.refresh(rec).state.status === 'running') throw new EngineError(`Cannot kill container: ${ref}: ${(e as Error).message}`);
  }
  // A frozen process acts on its signal only once thawed (docker's kill thaws it too).
  await thaw(core, rec);
  return rec;
}
