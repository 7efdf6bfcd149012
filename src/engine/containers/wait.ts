// Waiting on a container: for its exit (conmon's exit file, inotify with polling behind it), for
// its removal, and for a process (conmon) to be gone.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { processAlive } from '../../util/proc.ts';
import type { EngineCore } from '../core.ts';
import { DirWaker } from '../logs.ts';
import { eventsPath, type EngineEvent } from '../events.ts';
import type { WaitCondition, WaitResult } from '../requests.ts';
import type { ContainerRecord } from '../types.ts';
import type { ContainerStateRecord } from '../store.ts';

/** Waits until the container is not running; resolves with its record (null if removed). */
export async function waitExit(core: EngineCore, id: string, timeoutMs = Infinity): Promise<ContainerRecord | null> {
  const deadline = Date.now() + timeoutMs;
  // conmon writes the exit file into the exits dir: inotify wakes us then; polling stays as
  // the fallback (and for a monitor that died without one).
  let waker: DirWaker | undefined;
  try {
    for (let delay = 20; ; delay = Math.min(delay * 1.5, 200)) {
      // The state alone at each wake (any change in the exits dir wakes this); the whole record
      // once it is the answer.
      const rec = core.store.getState(id);
      if (!rec) return null;
      const r = core.refresh(rec);
      if ((r.state.status !== 'running' && r.state.status !== 'restarting') || Date.now() >= deadline) return core.store.get(id);
      waker ??= new DirWaker([core.paths.exits]);
      await waker.wait(Math.min(delay, Math.max(1, deadline - Date.now())));
    }
  } finally {
    waker?.close();
  }
}

/** docker wait: 'not-running' returns at once for a stopped container; 'next-exit' waits for
 * the exit after the next start when it is not running now; 'removed' until it is gone. */
export async function waitFor(core: EngineCore, ref: string, condition: WaitCondition = 'not-running', signal?: AbortSignal): Promise<WaitResult> {
  let rec: ContainerStateRecord = core.get(ref);
  const id = rec.id;
  const aborted = () => { if (signal?.aborted) throw signal.reason ?? new Error('wait aborted'); };
  const running = (r: ContainerStateRecord) => r.state.status === 'running' || r.state.status === 'restarting';
  if (condition === 'next-exit' && !running(rec)) {
    // Until it starts: a new startedAt counts too (a run too short to be seen running).
    const startedAt = rec.state.startedAt;
    for (let d = 20; !running(rec) && rec.state.startedAt === startedAt; d = Math.min(d * 1.5, 200)) {
      aborted();
      await sleep(d);
      const cur = core.store.getState(id);
      if (!cur) return { exitCode: rec.state.exitCode, removed: true };
      rec = core.refresh(cur);
    }
  }
  // In slices, so that an aborted wait (its client gone) ends within a second.
  let done: ContainerStateRecord | null = rec;
  for (;;) {
    aborted();
    done = await waitExit(core, id, signal ? 1000 : Infinity);
    if (!done || !running(done)) break;
  }
  if (done) rec = done;
  if (condition !== 'removed' && done) return { exitCode: rec.state.exitCode, removed: false };
  // Until it is gone (an AutoRemove clean-up, an rm), keeping the latest state seen; the
  // removal of its directory and the `destroy` event (appended once the record is deleted) wake
  // this at once (inotify), polling stays as the fallback.
  const waker = new DirWaker([core.paths.containers, dirname(eventsPath(core.paths))]);
  try {
    for (let d = 20; ; d = Math.min(d * 1.5, 200)) {
      const cur = core.store.getState(id);
      if (!cur) break;
      rec = core.refresh(cur);
      aborted();
      await waker.wait(d);
    }
  } finally {
    waker.close();
  }
  // Removed before this wait saw it exit (a short run, cleaned up at once): its die event says.
  return { exitCode: rec.state.startedAt && rec.state.status !== 'running' ? rec.state.exitCode : lastExitCode(core, id) ?? rec.state.exitCode, removed: true };
}

/** The exit code of the container's last `die` event (the events log's tail), if any. */
function lastExitCode(core: EngineCore, id: string): number | undefined {
  let text = '';
  try {
    const fd = openSync(eventsPath(core.paths), 'r');
    try {
      const size = fstatSync(fd).size, len = Math.min(size, 256 * 1024);
      const buf = Buffer.alloc(len);
      readSync(fd, buf, 0, len, size - len);
      text = buf.toString('utf8');
    } finally { closeSync(fd); }
  } catch { return undefined; }
  for (const line of text.split('\n').reverse()) {
    if (!line.includes(id) || !line.includes('"die"')) continue;
    try {
      const e = JSON.parse(line) as EngineEvent;
      if (e.id === id && e.action === 'die' && e.exitCode !== undefined) return e.exitCode;
    } catch { /* a torn first line */ }
  }
  return undefined;
}

/** Waits (bounded) until a process is gone; a zombie counts as gone (pid 1 here never reaps). */
export async function waitGone(pid: number, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  // conmon exits within a few ms of its exit command; every rm and foreground run waits here.
  while (pid > 0 && processAlive(pid) && Date.now() < end) await sleep(2);
}
