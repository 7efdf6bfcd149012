// What `create` records about a container (<root>/<id>/state.json) and how the current status is
// derived from it. The status is never stored: it follows from the init process (alive, with the
// start time we recorded, not a zombie) and the exec fifo (present until `start` writes it).
import { closeSync, existsSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { HookSpec } from './plan.ts';
import { ContainerNotExistError, InvalidIdError } from './errors.ts';

export const DEFAULT_ROOT = '/run/berth-runtime';
export const OCI_VERSION = '1.2.0';

export type Status = 'creating' | 'created' | 'running' | 'paused' | 'stopped';

/** state.json: everything later commands need, so they never re-read config.json. */
export interface ContainerRecord {
  ociVersion: string;
  id: string;
  /** The init's pid in the runtime's pid namespace. */
  pid: number;
  /** Field 22 of /proc/PID/stat when the init was created: guards against pid reuse. */
  initStartTime: string;
  /** /proc/PID/exe of the init before it execs (the helper): `start` waits until it changes. */
  initExe?: string;
  bundle: string;
  rootfs: string;
  /** RFC 3339 with fractional seconds, UTC. */
  created: string;
  annotations: Record<string, string>;
  /** Cgroup directories made for the container (empty when the runtime made none). */
  cgroupDirs: string[];
  /** Whether the container has its own pid namespace (then killing the init kills all). */
  ownPidNamespace: boolean;
  hooks: { poststart: HookSpec[]; poststop: HookSpec[] };
  /** linux.resources changes made by `update` since create (merged), as JSON. */
  resources?: Record<string, unknown>;
}

/** The state as `berth-runtime state` prints it (runc's field order and names). */
export interface PrintedState {
  ociVersion: string;
  id: string;
  pid: number;
  status: Status;
  bundle: string;
  rootfs: string;
  created: string;
  owner: string;
  annotations?: Record<string, string>;
}

const ID_RE = /^[A-Za-z0-9_+.-]+$/;

export function validateId(id: string): void {
  if (!ID_RE.test(id) || id === '.' || id === '..') throw new InvalidIdError(id);
}

export function containerDir(root: string, id: string): string {
  return join(root, id);
}
export function statePath(root: string, id: string): string {
  return join(root, id, 'state.json');
}
export function fifoPath(root: string, id: string): string {
  return join(root, id, 'exec.fifo');
}

/** Reads state.json; a missing container is a ContainerNotExistError. */
export function readRecord(root: string, id: string): ContainerRecord {
  validateId(id);
  let text: string;
  try {
    text = readFileSync(statePath(root, id), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') {
      throw new ContainerNotExistError(id);
    }
    throw e;
  }
  return JSON.parse(text) as ContainerRecord;
}

/**
 * Writes a file so that readers see the old or the new content, never a partial one. No fsync:
 * the rename is what makes it atomic for readers, and state belongs on a tmpfs (/run) that a
 * crash empties anyway (runc doesn't sync its state.json either). On a disk-backed root an fsync
 * cost 5-25 ms per create, a sixth of `run`.
 */
export function writeFileAtomic(path: string, data: string, mode = 0o644): void {
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w', mode);
  try {
    writeSync(fd, data);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

export function writeRecord(root: string, rec: ContainerRecord): void {
  writeFileAtomic(statePath(root, rec.id), JSON.stringify(rec));
}

import { procStat } from '../util/proc.ts';

export { procStat };

/** Alive means: the pid exists, is not a zombie (nobody may reap it here) and is the same process. */
export function initAlive(pid: number, startTime: string): boolean {
  if (pid <= 0) return false;
  const st = procStat(pid);
  return st !== null && st.state !== 'Z' && st.state !== 'X' && st.startTime === startTime;
}

export function deriveStatus(root: string, rec: ContainerRecord): Status {
  if (!initAlive(rec.pid, rec.initStartTime)) return 'stopped';
  if (existsSync(fifoPath(root, rec.id))) return 'created';
  const freezer = rec.cgroupDirs.find((d) => d.includes('/freezer/'));
  if (freezer) {
    try {
      if (readFileSync(join(freezer, 'freezer.state'), 'utf8').trim() === 'FROZEN') return 'paused';
    } catch { /* no freezer file: not paused */ }
  } else if (rec.cgroupDirs.length === 1) {
    // cgroup v2: the one directory's cgroup.freeze (what `pause` wrote).
    try {
      if (readFileSync(join(rec.cgroupDirs[0], 'cgroup.freeze'), 'utf8').trim() === '1') return 'paused';
    } catch { /* v1 without a freezer, or gone */ }
  }
  return 'running';
}

export function printedState(rec: ContainerRecord, status: Status): PrintedState {
  const out: PrintedState = {
    ociVersion: rec.ociVersion,
    id: rec.id,
    pid: status === 'stopped' ? 0 : rec.pid,
    status,
    bundle: rec.bundle,
    rootfs: rec.rootfs,
    created: rec.created,
    owner: '',
  };
  if (rec.annotations && Object.keys(rec.annotations).length) out.annotations = rec.annotations;
  return out;
}

/** The state hooks receive on stdin (the runtime spec's state schema). */
export function hookState(rec: Pick<ContainerRecord, 'id' | 'pid' | 'bundle' | 'annotations'>, status: Status): string {
  return JSON.stringify({
    ociVersion: OCI_VERSION,
    id: rec.id,
    status,
    pid: status === 'stopped' ? undefined : rec.pid,
    bundle: rec.bundle,
    annotations: rec.annotations ?? {},
  });
}

/** RFC 3339 UTC with the fractional part trimmed as Go's RFC3339Nano does. */
export function rfc3339Now(): string {
  return new Date().toISOString().replace(/\.?0+Z$/, 'Z');
}
