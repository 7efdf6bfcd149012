// docker's wait conditions: `not-running` (now, if it is not running), `next-exit` (the end of
// its next run, for a wait sent before start) and `removed` (gone from the store, e.g. after an
// AutoRemove clean-up). Resolves with the last exit code seen.
import type { Engine } from './engine.ts';
import { DirWaker } from './logs.ts';

export type WaitCondition = 'not-running' | 'next-exit' | 'removed';

export interface WaitResult { exitCode: number; error: string }

export async function waitCondition(engine: Engine, ref: string, condition: WaitCondition, signal?: AbortSignal): Promise<WaitResult> {
  const first = engine.get(ref);
  const id = first.id;
  const startedAt = first.state.startedAt;
  let last = first;
  const waker = new DirWaker([engine.paths.exits, engine.paths.containers]);
  try {
    for (let delay = 20; ; delay = Math.min(delay * 1.5, 250)) {
      if (signal?.aborted) throw signal.reason ?? new Error('aborted');
      const cur = engine.store.get(id);
      if (!cur) return { exitCode: last.state.exitCode, error: last.state.error };
      const r = engine.refresh(cur);
      last = r;
      const running = r.state.status === 'running' || r.state.status === 'restarting';
      const ranSince = r.state.startedAt !== startedAt || (condition === 'next-exit' && first.state.status === 'running');
      if (!running) {
        if (condition === 'not-running') return { exitCode: r.state.exitCode, error: r.state.error };
        if (condition === 'next-exit' && ranSince) return { exitCode: r.state.exitCode, error: r.state.error };
      }
      await waker.wait(delay);
    }
  } finally {
    waker.close();
  }
}
