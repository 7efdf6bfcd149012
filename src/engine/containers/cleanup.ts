// After a container's exit: conmon's exit command (`berth container cleanup ID`), or the
// foreground `run` that waited for it (handoff.ts), or stop/rm (which claim it), releases its
// network and the runtime's state, removes it for --rm and restarts it under its policy.
import { join } from 'node:path';
import { trace } from '../../util/trace.ts';
import type { EngineCore } from '../core.ts';
import { NoSuchContainerError } from '../errors.ts';
import { openHandoff as openHandoffFifo, type Handoff } from '../handoff.ts';
import type { ContainerRecord } from '../types.ts';
import type { Lock } from '../../util/lock.ts';
import { startLocked } from './start.ts';
import { destroy, teardown } from './teardown.ts';
import { dropPrecreated } from './precreate.ts';
import { waitExit, waitGone } from './wait.ts';

/** The exit command's work (also run by stop/rm): after the container exited, release its
 * network, the runtime's state; remove it for --rm; restart it under a restart policy. */
export async function cleanup(core: EngineCore, ref: string, held?: Lock): Promise<void> {
  let rec: ContainerRecord;
  try { rec = core.store.resolve(ref); } catch (e) { held?.release(); if (e instanceof NoSuchContainerError) return; throw e; }
  // `held`: the caller took the container's lock already (a stop that cleans up after its answer).
  const lock = held ?? await core.store.lock(rec.id);
  try {
    const cur = core.store.get(rec.id);
    if (!cur) return;
    rec = core.refresh(cur);
    if (rec.state.status === 'running') return;
    // A container created in the runtime ahead of a start (precreate.ts) that is not to come.
    await dropPrecreated(core, rec.id, true);
    if (rec.config.autoRemove) {
      await destroy(core, rec, { volumes: true });
      return;
    }
    await teardown(core, rec);
    const p = rec.config.restart;
    const restart = !rec.state.stoppedByUser && rec.state.status === 'exited' && (p.name === 'always' || p.name === 'unless-stopped' ||
      (p.name === 'on-failure' && rec.state.exitCode !== 0 && (p.maximumRetryCount === 0 || rec.state.restartCount < p.maximumRetryCount)));
    if (restart) {
      rec.state.restartCount++;
      rec.state.status = 'restarting';
      core.store.saveState(rec.id, rec.state);
      try {
        await startLocked(core, rec, {});
      } catch {
        rec.state.status = 'exited';
        core.store.saveState(rec.id, rec.state);
      }
    }
  } finally {
    lock.release();
  }
}

/** For a foreground run that will clean up itself (see handoff.ts): pass to start() as
 * hooks.handoff, then call finishForeground once the container exited. */
export function openHandoff(core: EngineCore, id: string): Promise<Handoff | undefined> {
  return core.opts.cli ? openHandoffFifo(join(core.paths.locks, `${id}.handoff`)) : Promise.resolve(undefined);
}

/** The exit command's work done by the foreground CLI; then the exit command is told to skip
 * it, and, as rm does, this returns once conmon (and so the exit command) is gone. */
export async function finishForeground(core: EngineCore, id: string, handoff: Handoff, conmonPid: number): Promise<void> {
  try {
    await cleanup(core, id);
    trace('finish: cleanup done');
  } finally {
    handoff.done();
    await waitGone(conmonPid);
    trace('finish: conmon gone');
    handoff.close();
  }
}

/** A start's own handoff (removeHere): after the exit, the clean-up in this process. */
export async function removeAfterExit(core: EngineCore, id: string, handoff: Handoff, conmonPid: number): Promise<void> {
  await waitExit(core, id).catch(() => null);
  trace('start: exit seen');
  // finishForeground always tells the exit command it is done (even when the clean-up fails, e.g.
  // because an rm -f removed the container meanwhile), so that it never waits on this process.
  await finishForeground(core, id, handoff, conmonPid).catch(() => {});
}
