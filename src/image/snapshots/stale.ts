// An unpack killed mid-layer leaves its active `extract-<pid>-<rand> <chainID>` snapshot (and its
// half-written directory) behind. Whoever next takes that chainID's unpack lock removes it, so
// that the store holds no dangling snapshot after the next pull even when no GC runs.
import { processAlive } from '../../util/lock.ts';
import type { Snapshotter } from './snapshotter.ts';

/** Removes the active extract snapshots of `chainID` whose process is gone. Call it while
 * holding the chainID's unpack lock (no live process can be extracting it then). */
export function removeStaleExtracts(sn: Snapshotter, chainID: string): string[] {
  const removed: string[] = [];
  for (const s of sn.list()) {
    const m = /^extract-(\d+)-\S+ (\S+)$/.exec(s.key);
    if (!m || m[2] !== chainID || s.kind !== 'active' || processAlive(Number(m[1]))) continue;
    try { sn.remove(s.key); removed.push(s.key); } catch { /* has children or already gone: GC's turn */ }
  }
  return removed;
}
