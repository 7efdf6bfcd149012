// A created container's runtime create done ahead of its start, in the background: the CRI's
// CreateContainer returns and the container is created in the runtime (conmon, the relayed
// create: its process waits for the runtime's start) while the client turns around to
// StartContainer, which is then only the runtime's start (as cri-o splits the two). The
// record stays 'created' meanwhile. Unused (no start within expireMs, the container removed,
// the engine settled), the process and its monitor go; a later start makes its own. The
// bookkeeping is the one start-ahead.ts uses (ahead-map.ts).
import { claimCleanup } from '../handoff.ts';
import type { EngineCore, Precreated } from '../core.ts';
import { createLocked } from './start.ts';
import { waitGone } from './wait.ts';

/** Begins the runtime create of the created container `id` (under its lock, in the
 * background), `delayMs` from now: the caller's answer to its client goes out first (begun at
 * once, even on setImmediate, the create's synchronous parts held a CRI reply back: crictl's
 * create 42 -> 58 ms on a quiet machine, while the client's turn-around to its start is 30 ms
 * and more). The entry is there at once: a start, stop or removal meanwhile finds it. The
 * cgroup join's warm-up is held for the create (prepare.ts). */
export function precreate(core: EngineCore, id: string, opts: { expireMs: number; delayMs?: number }): void {
  if (core.precreated.has(id)) return;
  const entry: Precreated = { done: Promise.resolve(false), settled: false, pid: 0, conmonPid: 0 };
  const delayed = opts.delayMs ? new Promise((r) => setTimeout(r, opts.delayMs)) : Promise.resolve();
  entry.done = delayed.then(() => core.locked(id, async (rec) => {
    // Dropped while it waited for the lock (removed, started, expired): nothing to do.
    if (rec.state.status !== 'created' || core.precreated.get(id) !== entry) return false;
    const release = await core.warmUp();
    try {
      await createLocked(core, rec, {});
    } finally {
      release();
    }
    entry.pid = rec.state.pid;
    entry.conmonPid = rec.state.conmonPid;
    return true;
  })).catch(() => false).then((made) => { entry.settled = true; return made; });
  // An expiry drop in flight is waited for by settle() (inBackground), as a drop settle makes.
  core.precreated.set(id, entry, opts.expireMs, () => { core.inBackground(dropPrecreated(core, id, false)); });
}

/** The precreated container for its start (the caller then takes the lock): undefined when
 * there is none or its create failed (the start then does it all, and reports the failure). */
export async function takePrecreated(core: EngineCore, id: string): Promise<Precreated | undefined> {
  const entry = core.precreated.take(id);
  return entry && (await entry.done) ? entry : undefined;
}

/** A precreated container that will not start now: its process goes (its monitor with it).
 * `locked`: the caller holds the container's lock (destroy); a create still waiting for that
 * lock then finds itself dropped and does nothing. */
export async function dropPrecreated(core: EngineCore, id: string, locked: boolean): Promise<void> {
  const entry = core.precreated.take(id);
  if (!entry) return;
  if (locked && !entry.settled) return;
  if (!(await entry.done)) return;
  const kill = async () => {
    const rec = core.store.get(id);
    // conmon's exit command need not clean up: this process does (or the removal in progress).
    const unclaim = claimCleanup(core.claimPath(id));
    try {
      // Its cgroup goes with the runtime's record, and the parent if it is the last one.
      await core.deleteRuntimeState(id, rec?.config.runtime);
      await waitGone(entry.conmonPid);
    } finally {
      unclaim();
    }
  };
  if (locked) await kill();
  else await core.locked(id, kill).catch(() => { /* removed meanwhile: its removal did it */ });
}

/** Drops every precreated container (the engine is about to go). */
export async function dropAllPrecreated(core: EngineCore): Promise<void> {
  await Promise.all(core.precreated.ids().map((id) => dropPrecreated(core, id, false)));
}
