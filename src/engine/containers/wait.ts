// Waiting on a container: for its exit (conmon's exit file, inotify with polling behind it), for
// its removal, and for a process (conmon) to be gone.
import { setTimeout as sleep } from 'node:timers/promises';
import { processAlive } from '../../util/lock.ts';
import type { EngineCore } from '../core.ts';
import { DirWaker } from '../logs.ts';
import type { WaitCondition, WaitResult } from '../requests.ts';
import type { ContainerRecord } from '../types.ts';

/** Waits until the container is not running; resolves with its record (null if removed). */
export async function waitExit(core: EngineCore, id: string, timeoutMs = Infinity): Promise<ContainerRecord | null> {
  const deadline = Date.now() + timeoutMs;
  // conmon writes the exit file into the exits dir: inotify wakes us then; polling stays as
  // the fallback (and for a monitor that died without one).
  let waker: DirWaker | undefined;
  try {
    for (let delay = 20; ; delay = Math.min(delay * 1.5, 200)) {
      const rec = core.store.get(id);
      if (!rec) return null;
      const r = core.refresh(rec);
      if (r.state.status !== 'running' && r.state.status !== 'restarting') return r;
      if (Date.now() >= deadline) return r;
      waker ??= new DirWaker([core.paths.exits]);
      await waker.wait(Math.min(delay, Math.max(1, deadline - Date.now())));
    }
  } finally {
    waker?.close();
  }
}

/** docker wait: 'not-running' returns at once for a stopped container; 'next-exit' waits for
 * the exit after the next start when it is not running now; 'removed' until it is gone. */
export async function waitFor(core: EngineCore, ref: string, condition: WaitCondition = 'not-running'): Promise<WaitResult> {
  let rec = core.get(ref);
  const id = rec.id;
  if (condition === 'next-exit') {
    for (let d = 20; rec.state.status !== 'running' && rec.state.status !== 'restarting'; d = Math.min(d * 1.5, 200)) {
      await sleep(d);
      const cur = core.store.get(id);
      if (!cur) return { exitCode: rec.state.exitCode, removed: true };
      rec = core.refresh(cur);
    }
  }
  const done = await waitExit(core, id);
  if (done) rec = done;
  if (condition !== 'removed' || !done) return { exitCode: rec.state.exitCode, removed: !done };
  for (let d = 20; core.store.get(id); d = Math.min(d * 1.5, 200)) await sleep(d);
  return { exitCode: rec.state.exitCode, removed: true };
}

/** Waits (bounded) until a process is gone; a zombie counts as gone (pid 1 here never reaps). */
export async function waitGone(pid: number, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  // conmon exits within a few ms of its exit command; every rm and foreground run waits here.
  while (pid > 0 && processAlive(pid) && Date.now() < end) await sleep(2);
}
