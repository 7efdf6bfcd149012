// docker run's create, attach, wait and start come within milliseconds of each other: berthd
// starts the container's monitor (conmon and the relay) at create, as a foreground `berth run`
// does (the engine's prelaunch), so that its start overlaps the rest of create, the client's
// round trips and the start's own work. For an AutoRemove container the handoff its exit
// command needs is opened then too. Neither holds up create's answer: the start waits for them.
// A start that does not come within AHEAD_MS (`docker create` alone, a start much later) finds
// no monitor waiting and starts one itself, as before.
import type { ContainerRecord, Engine, Handoff } from '../engine/index.ts';

export const AHEAD_MS = 3000;

/** launched: the engine holds a monitor for the container's next start, with `handoff`;
 * stopWarm ends the cgroup-join warm-up begun for it (engine.prepareForRun). */
interface Launched { launched: boolean; handoff: Handoff | undefined; stopWarm: () => void }

export interface StartAhead { ready: Promise<Launched>; timer: NodeJS.Timeout }

/** create's onReady: begins the monitor (and the handoff) for the start that should follow. */
export function prelaunchForStart(engine: Engine, ahead: Map<string, StartAhead>, rec: ContainerRecord): void {
  const e = engine.containers;
  const ready = (async (): Promise<Launched> => {
    // As `berth run` does first: the mount server, and the cgroup join kept warm until the start
    // is done (the runtime's join then waits out no RCU grace period in berthd's event loop).
    const stopWarm = await engine.prepareForRun().catch(() => () => {});
    const handoff = rec.config.autoRemove ? await e.openHandoff(rec.id).catch(() => undefined) : undefined;
    // Not ours to start early (a terminal, stdin, another runtime): start opens its own handoff.
    const launched = await e.prelaunch(rec, handoff ? { handoff } : {}).catch(() => false);
    if (!launched && handoff) { handoff.done(); handoff.close(); }
    return { launched, handoff: launched ? handoff : undefined, stopWarm };
  })().catch(() => ({ launched: false, handoff: undefined, stopWarm: () => {} }));
  const timer = setTimeout(() => { void dropAhead(engine, ahead, rec.id); }, AHEAD_MS);
  timer.unref();
  ahead.set(rec.id, { ready, timer });
}

/** For start: whether a monitor waits for it (the engine takes it over), with its handoff. */
export async function takeAhead(ahead: Map<string, StartAhead>, id: string): Promise<Launched | undefined> {
  const a = ahead.get(id);
  if (!a) return undefined;
  ahead.delete(id);
  clearTimeout(a.timer);
  return a.ready;
}

/** Ends a waiting monitor whose start did not come (or will not: a failed create, rm, shutdown). */
export async function dropAhead(engine: Engine, ahead: Map<string, StartAhead>, id: string): Promise<void> {
  const a = await takeAhead(ahead, id);
  a?.stopWarm();
  if (a?.launched) await engine.containers.dropPrelaunch(id, a.handoff).catch(() => {});
}
