// The unpack of one layer (chainID) into a snapshot: a lock per chainID, so that two processes
// do not unpack the same layer, and the active snapshot's key, `extract-<pid>-<rand> <chainID>`.
// An unpack killed mid-layer leaves that snapshot (and its half-written directory) behind;
// whoever next takes the chainID's lock removes it, so that the store holds no dangling snapshot
// after the next pull even when no GC runs.
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { acquireLock, type Lock } from '../../util/lock.ts';
import { processAlive } from '../../util/proc.ts';
import type { Snapshotter } from './snapshotter.ts';

/** Waits for and takes the unpack lock of `chainID` (<snapshotter root>/locks/<hex>.lock). */
export async function lockChain(sn: Snapshotter, chainID: string): Promise<Lock> {
  const locks = join(sn.root, 'locks');
  mkdirSync(locks, { recursive: true });
  return acquireLock(join(locks, `${chainID.replace(/^sha256:/, '')}.lock`));
}

/** A fresh key for this process's active snapshot unpacking `chainID`. */
export function extractKey(chainID: string): string {
  return `extract-${process.pid}-${randomBytes(4).toString('hex')} ${chainID}`;
}

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
