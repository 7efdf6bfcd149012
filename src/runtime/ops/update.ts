// `update`: new resource limits for a live container. The cgroup module does the writes; the
// merged resources are kept in state.json so that later readers see what is in force.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { updateCgroup } from '../cgroups/apply.ts';
import type { Resources } from '../../oci/spec.ts';
import { InvalidStateError } from '../errors.ts';
import { containerStatus } from '../container.ts';
import { writeRecord } from '../state.ts';
import { acquireLock } from '../lock.ts';
import { lockPath } from '../container.ts';

export class UpdateValueError extends Error {
  override name = 'UpdateValueError';
  readonly flag: string;
  constructor(flag: string, message: string) {
    super(`--${flag}: ${message}`);
    this.flag = flag;
  }
}

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };

/** "512m", "1g", "1048576", "-1" (unlimited) → bytes, as runc's RAMInBytes reads them: a number,
 * or above 2^53 the exact decimal digits (which the cgroup mapping takes and state.json holds). */
export function parseBytes(flag: string, s: string): number | string {
  if (s === '-1') return -1;
  const m = /^(\d+)(?:\.(\d+))?\s*([kmgtpb]?)(?:i?b)?$/i.exec(s.trim());
  if (!m) throw new UpdateValueError(flag, `invalid size ${JSON.stringify(s)}`);
  const frac = m[2] ?? '';
  const scale = 10n ** BigInt(frac.length);
  const scaled = BigInt(m[1] + frac) * BigInt(UNITS[m[3].toLowerCase()]);
  return exactNumber((scaled + scale / 2n) / scale); // rounded half up, like Math.round
}

/** A number when it is exact, else its decimal digits. */
export function exactNumber(n: bigint): number | string {
  return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : String(n);
}

/** Deep merge of resources: objects merge, everything else is replaced. */
export function mergeResources(a: Resources, b: Resources): Resources {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] = v && prev && typeof v === 'object' && typeof prev === 'object' && !Array.isArray(v)
      ? { ...(prev as object), ...(v as object) } : v;
  }
  return out as Resources;
}

export async function updateContainer(root: string, id: string, resources: Resources): Promise<{ warnings: string[] }> {
  // No lock file to take for an unknown id: runc's "container does not exist", not an ENOENT.
  containerStatus(root, id);
  const lock = await acquireLock(lockPath(root, id));
  try {
    const { record, status } = containerStatus(root, id);
    if (status === 'stopped') throw new InvalidStateError(id, status, 'cannot update a stopped container');
    const dirs = record.cgroupDirs;
    if (!dirs.length) throw new InvalidStateError(id, status, 'the container has no cgroup to update');
    const version = existsSync(join(dirs[0], 'cgroup.controllers')) ? 2 : 1;
    const r = await updateCgroup({ version, dirs, writes: [], procs: [] }, resources);
    writeRecord(root, { ...record, resources: mergeResources((record.resources ?? {}) as Resources, resources) as Record<string, unknown> });
    return r;
  } finally {
    lock.release();
  }
}
