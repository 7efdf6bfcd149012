// A start begun before it is asked for: docker run's create, attach, wait and start come within
// milliseconds of each other, so a long-lived engine (berthd's Docker API) starts the container's
// monitor (conmon and the relay, the prelaunch `berth run` does) at create, keeps the cgroup
// join warm (prepareForRun) and, for an AutoRemove container, opens the handoff its exit command
// needs. The start then takes all of it over; none of it holds up create's answer.
//
// The engine owns it, not the front: every path that ends the container's chance of that start
// drops it, and a drop returns once the monitor (conmon) is gone: the start itself (takes it),
// the expiry (no start within expireMs: `docker create` alone), the container's removal in this
// engine (destroy: rm, prune, an AutoRemove clean-up), and the engine's settle/close. A removal
// by another process (a CLI `berth rm` against the same root) ends the waiting conmon there
// (teardown.ts endForeignMonitor); the expiry then finds it gone.
// (The CRI's precreate.ts goes one step further, the runtime's create, under the same rules.)
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AheadLaunch, EngineCore } from '../core.ts';
import type { ContainerRecord } from '../types.ts';
import { openHandoff } from './cleanup.ts';
import { dropPrelaunched, prelaunch } from './start.ts';
import { waitGone } from './wait.ts';

/** Begins the start of the just-created `rec` (in the background) for a start expected soon. */
export function startAhead(core: EngineCore, rec: ContainerRecord, opts: { expireMs: number }): void {
  if (core.ahead.has(rec.id)) return;
  const none = (): AheadLaunch => ({ launched: false, handoff: undefined, stopWarm: () => {}, conmonPid: () => 0 });
  const ready = (async (): Promise<AheadLaunch> => {
    // As `berth run` does first: the mount server, and the cgroup join kept warm until the start
    // is done (the runtime's join then waits out no RCU grace period in this event loop).
    const stopWarm = await core.warmUp();
    const handoff = rec.config.autoRemove ? await openHandoff(core, rec.id).catch(() => undefined) : undefined;
    // Not ours to start early (a terminal, stdin, another runtime): start opens its own handoff.
    const launched = await prelaunch(core, rec, handoff ? { handoff } : {}).catch(() => false);
    if (!launched && handoff) { handoff.done(); handoff.close(); }
    // conmon's pid, read once its relayed create connects (conmon wrote the file before it ran
    // the runtime), else at the drop: a removal elsewhere may have taken the directory by then.
    let conmonPid = 0;
    const readPid = () => {
      try { conmonPid ||= Number(readFileSync(join(core.dir(rec.id), 'conmon.pid'), 'utf8').trim()) || 0; } catch { /* not yet, or gone */ }
      return conmonPid;
    };
    if (launched) void core.prelaunched.get(rec.id)?.relay?.connected.then(readPid, () => {});
    return { launched, handoff: launched ? handoff : undefined, stopWarm, conmonPid: readPid };
  })().catch(none);
  // An expiry drop in flight is waited for by settle() (inBackground): its conmon must not
  // outlive berthd.
  core.ahead.set(rec.id, ready, opts.expireMs, (id) => { core.inBackground(dropAhead(core, id)); });
}

/** For the container's start: what was begun for it, taken out of the engine's hands (the
 * monitor itself stays in core.prelaunched for createLocked to take). */
export async function takeAhead(core: EngineCore, id: string): Promise<AheadLaunch | undefined> {
  return core.ahead.take(id);
}

/** Ends what was begun for a start that is not coming (expired, removed, the engine going);
 * returns once its conmon is gone. */
export async function dropAhead(core: EngineCore, id: string): Promise<void> {
  const a = await takeAhead(core, id);
  if (!a) return;
  a.stopWarm();
  if (!a.launched) return;
  const conmonPid = a.conmonPid();
  await dropPrelaunched(core, id, a.handoff);
  // dropPrelaunched waits for conmon only while the record is there: not after a removal elsewhere.
  await waitGone(conmonPid || a.conmonPid());
}

/** Everything begun ahead goes (the engine settles). */
export async function dropAllAhead(core: EngineCore): Promise<void> {
  await Promise.all(core.ahead.ids().map((id) => dropAhead(core, id)));
}
