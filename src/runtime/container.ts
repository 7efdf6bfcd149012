// The lifecycle operations on an existing container: state, list, start, kill, delete.
// They read state.json only (never config.json, never the host probe): these are hot paths.
import { lstatSync, openSync, closeSync, readdirSync, readlinkSync, rmSync, statSync, unlinkSync, writeSync, constants as fsc } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import {
  type ContainerRecord, type PrintedState, type Status,
  containerDir, deriveStatus, fifoPath, hookState, initAlive, printedState, procStat, readRecord, validateId,
} from './state.ts';
import { ContainerNotExistError, InvalidStateError } from './errors.ts';
import { acquireLock, type Lock } from './lock.ts';
import { runHooksCollect } from './hooks.ts';
import { removeCgroupDirs, cgroupDirPids } from './cgroup-glue.ts';

/** A warning the caller should show (hook failures after the point of no return). */
export type Warn = (msg: string) => void;

export function lockPath(root: string, id: string): string {
  return join(containerDir(root, id), 'lock');
}

async function lockContainer(root: string, id: string): Promise<Lock> {
  validateId(id);
  try {
    statSync(containerDir(root, id));
  } catch {
    throw new ContainerNotExistError(id);
  }
  try {
    return await acquireLock(lockPath(root, id));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new ContainerNotExistError(id);
    throw e;
  }
}

export function containerStatus(root: string, id: string): { record: ContainerRecord; status: Status } {
  const record = readRecord(root, id);
  return { record, status: deriveStatus(root, record) };
}

/** `state`: runc's JSON shape. */
export function getState(root: string, id: string): PrintedState {
  const { record, status } = containerStatus(root, id);
  return printedState(record, status);
}

export interface ListEntry extends PrintedState {
  /** The state directory owner's user name (runc's OWNER column). */
  ownerName: string;
}

/** `list`: every container under root, skipping entries that aren't containers (or half-made). */
export function listContainers(root: string): ListEntry[] {
  let names: string[];
  try {
    names = readdirSync(root);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const out: ListEntry[] = [];
  for (const name of names.sort()) {
    if (name.startsWith('.')) continue;
    let rec: ContainerRecord;
    try {
      rec = readRecord(root, name);
    } catch {
      continue;
    }
    const st = printedState(rec, deriveStatus(root, rec));
    out.push({ ...st, ownerName: ownerName(join(root, name)) });
  }
  return out;
}

function ownerName(path: string): string {
  let uid: number;
  try {
    uid = lstatSync(path).uid;
  } catch {
    return '';
  }
  if (uid === process.getuid?.()) {
    try { return userInfo().username; } catch { /* fall through */ }
  }
  if (uid === 0) return 'root';
  return `#${uid}`;
}

/** `start`: only from created. Writes the exec fifo (the init is blocked reading it), then poststart. */
export async function startContainer(root: string, id: string, warn: Warn, opts: { awaitExec?: boolean } = {}): Promise<void> {
  const lock = await lockContainer(root, id);
  let record: ContainerRecord;
  try {
    const cs = containerStatus(root, id);
    record = cs.record;
    if (cs.status !== 'created') {
      throw new InvalidStateError(id, cs.status, cs.status === 'stopped'
        ? 'cannot start a container that has stopped'
        : `cannot start an already ${cs.status} container`);
    }
    const fifo = fifoPath(root, id);
    let fd: number;
    try {
      // Non-blocking: if the init died between the status check and here there is no reader
      // and open fails with ENXIO instead of hanging.
      fd = openSync(fifo, fsc.O_WRONLY | fsc.O_NONBLOCK);
    } catch (e) {
      throw new InvalidStateError(id, 'stopped', `cannot start container: exec fifo ${fifo}: ${(e as Error).message}`);
    }
    try {
      writeSync(fd, Buffer.from([0]));
    } finally {
      closeSync(fd);
    }
    unlinkSync(fifo);
    // poststart hooks must follow the exec of the user's process, which comes after the
    // startContainer hooks the init runs once it has read the fifo. (`run` in the foreground
    // without poststart hooks has no use for the wait: awaitExec false.)
    if (opts.awaitExec ?? true) await waitExec(record);
  } finally {
    lock.release();
  }
  for (const e of await runHooksCollect('poststart', record.hooks.poststart, hookState(record, 'running'))) {
    warn(e.message);
  }
}

/** Waits until the init has exec'd (its /proc/PID/exe is no longer the helper) or is gone. */
async function waitExec(rec: ContainerRecord, timeoutMs = 30_000): Promise<void> {
  if (!rec.initExe) return;
  const deadline = Date.now() + timeoutMs;
  let delay = 1;
  for (;;) {
    let exe: string;
    try {
      exe = readlinkSync(`/proc/${rec.pid}/exe`);
    } catch (e) {
      // EACCES: still the helper, which is not dumpable until its exec (rootless callers only).
      if ((e as NodeJS.ErrnoException).code !== 'EACCES') return;
      exe = rec.initExe;
    }
    if (exe !== rec.initExe || !initAlive(rec.pid, rec.initStartTime) || Date.now() > deadline) return;
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 20);
  }
}

/** `kill`: the init, or with `all` every process of the container's cgroup. */
export function killContainer(root: string, id: string, signal: number, all: boolean): void {
  const { record, status } = containerStatus(root, id);
  if (all) {
    const pids = cgroupDirPids(record.cgroupDirs);
    if (status !== 'stopped' && !pids.includes(record.pid)) pids.push(record.pid);
    for (const pid of pids) {
      try { process.kill(pid, signal); } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
      }
    }
    return;
  }
  if (status === 'stopped') throw new InvalidStateError(id, status, 'container not running');
  process.kill(record.pid, signal);
}

/** Polls until the process is gone (no such pid, a zombie, or another process with that pid). */
export async function waitGone(pid: number, startTime: string, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let delay = 1;
  while (initAlive(pid, startTime)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 20);
  }
  return true;
}

/** SIGKILLs the init and every process in the cgroup, then waits for the init to be gone. */
export async function killAndWait(rec: Pick<ContainerRecord, 'pid' | 'initStartTime' | 'cgroupDirs'>): Promise<void> {
  const pids = new Set(cgroupDirPids(rec.cgroupDirs));
  if (initAlive(rec.pid, rec.initStartTime)) pids.add(rec.pid);
  for (const pid of pids) {
    try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
  }
  if (!(await waitGone(rec.pid, rec.initStartTime))) {
    throw new Error(`process ${rec.pid} did not die after SIGKILL`);
  }
  // Processes outside a pid namespace don't die with the init: wait for the cgroup to drain.
  for (const pid of pids) {
    if (pid === rec.pid) continue;
    const st = procStat(pid);
    if (st) await waitGone(pid, st.startTime, 2000);
  }
}

export interface DeleteOptions { force?: boolean }

/** `delete`: stopped containers; created, running or paused ones only with force (SIGKILL). */
export async function deleteContainer(root: string, id: string, opts: DeleteOptions, warn: Warn): Promise<void> {
  let lock: Lock;
  try {
    lock = await lockContainer(root, id);
  } catch (e) {
    if (opts.force && e instanceof ContainerNotExistError) return;
    throw e;
  }
  try {
    let cs;
    try {
      cs = containerStatus(root, id);
    } catch (e) {
      // A state dir without state.json is a create that died half-way: force cleans it up.
      if (e instanceof ContainerNotExistError) {
        if (opts.force) { rmSync(containerDir(root, id), { recursive: true, force: true }); return; }
      }
      throw e;
    }
    const { record, status } = cs;
    // The runtime spec: deleting a container that is not stopped is an error (runc 1.1 deletes
    // a created one anyway; the spec and its validation suite don't).
    if (status !== 'stopped' && !opts.force) {
      throw new InvalidStateError(id, status, `cannot delete container ${id} that is not stopped: ${status}`);
    }
    // A stopped container may still have processes in its cgroup (without a pid namespace the
    // init's children outlive it); they go too, or the cgroup could not be removed.
    if (status !== 'stopped' || cgroupDirPids(record.cgroupDirs).length) {
      if (status === 'paused') thawQuietly(record.cgroupDirs);
      await killAndWait(record);
    }
    for (const e of await runHooksCollect('poststop', record.hooks.poststop, hookState(record, 'stopped'))) {
      warn(e.message);
    }
    await removeCgroupDirs(record.cgroupDirs);
    rmSync(containerDir(root, id), { recursive: true, force: true });
  } finally {
    lock.release();
  }
}

function thawQuietly(dirs: string[]): void {
  const fz = dirs.find((d) => d.includes('/freezer/'));
  if (!fz) return;
  try {
    const fd = openSync(join(fz, 'freezer.state'), 'w');
    try { writeSync(fd, 'THAWED'); } finally { closeSync(fd); }
  } catch { /* nothing to thaw */ }
}
