// Effects: create a planned cgroup and move a process in, update it, remove it.
import { existsSync, readdirSync, rmdirSync, writeFile } from 'node:fs';
import { startServedWarm, stopServedWarm } from '../../util/native-mount.ts';
import { posix } from 'node:path';
import { CgroupError, CgroupFsError } from './errors.ts';
import { applyWrites, errno, mkdirpAsync, readOpt, rmdirRetry, writeValue } from './fsops.ts';
import { planUpdate } from './plan.ts';
import type { CgroupPlan } from '../plan.ts';
import type { CgroupHost } from './types.ts';
import type { Resources } from '../../oci/spec.ts';
import { hierarchies, hierarchyDir } from './detect.ts';

/**
 * v1 cpuset cgroups start with empty cpuset.cpus/mems and refuse tasks until they are set; copy
 * them down from the nearest ancestor that has them (runc does the same).
 */
function fillCpuset(dir: string): void {
  // Most hierarchies aren't cpuset's: a cheap existence check instead of a thrown ENOENT each.
  if (!existsSync(posix.join(dir, 'cpuset.cpus'))) return;
  for (const file of ['cpuset.cpus', 'cpuset.mems']) {
    const chain: string[] = [];
    let d = dir;
    let value: string | undefined;
    for (;;) {
      value = readOpt(posix.join(d, file));
      if (value === undefined) return; // not a cpuset hierarchy (or we walked past its root)
      if (value !== '') break;
      chain.unshift(d);
      const up = posix.dirname(d);
      if (up === d) return;
      d = up;
    }
    for (const c of chain) writeValue(posix.join(c, file), value);
  }
}

/**
 * Creates the plan's directories, performs its writes, then writes `pid` into every procs file.
 * On failure removes the directories it created and throws (a CgroupFsError names the file and
 * value that failed). The process is not killed.
 */
export async function applyCgroup(plan: CgroupPlan, pid: number): Promise<void> {
  const created = await prepareCgroup(plan);
  try {
    joinCgroup(plan, pid);
  } catch (e) {
    await removeCreated(created);
    throw e;
  }
}

/**
 * The half of applyCgroup that needs no pid: creates the directories and performs the writes
 * (limits land before any task joins, as cpuset and rt limits require). `create` runs it while
 * the helper is starting. Returns the directories it created; on failure removes them and throws.
 */
export async function prepareCgroup(plan: CgroupPlan): Promise<string[]> {
  const created: string[] = [];
  try {
    // The hierarchies' directories at once, off the event loop (a long-lived engine answers
    // other calls meanwhile); a failure in one leaves the others' for the removal below.
    const made = await Promise.allSettled(plan.dirs.map((d) => mkdirpAsync(d)));
    for (const m of made) {
      if (m.status === 'fulfilled') created.push(...m.value);
      else created.push(...((m.reason as { created?: string[] }).created ?? []));
    }
    const failed = made.find((m) => m.status === 'rejected');
    if (failed) throw failed.reason;
    if (plan.version === 1) for (const d of plan.dirs) fillCpuset(d);
    applyWrites(plan.writes);
  } catch (e) {
    await removeCreated(created);
    throw e;
  }
  return created;
}

/** The other half: writes `pid` into every procs file of a prepared plan. */
export function joinCgroup(plan: CgroupPlan, pid: number): void {
  for (const p of plan.procs) writeValue(p, String(pid));
}

async function removeCreated(created: string[]): Promise<void> {
  for (const d of [...created].reverse()) {
    try { await rmdirRetry(d, 200); } catch { /* still busy: the caller's error matters more */ }
  }
}

/** The directories of a plan (or the list itself). */
function dirsOf(x: CgroupPlan | string[]): string[] {
  return Array.isArray(x) ? x : x.dirs;
}

function subdirs(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => posix.join(dir, e.name));
  } catch (e) {
    if (errno(e) === 'ENOENT') return [];
    throw new CgroupFsError('readdir', dir, e);
  }
}

/** rmdir children first: the container may have made its own sub-cgroups. Most have none, so
 * the rmdir is tried first and the directory (dozens of control files) listed only if refused. */
async function removeTree(dir: string, timeoutMs: number): Promise<void> {
  try {
    rmdirSync(dir);
    return;
  } catch (e) {
    const code = errno(e);
    if (code === 'ENOENT') return;
    if (code !== 'EBUSY' && code !== 'ENOTEMPTY') throw new CgroupFsError('rmdir', dir, e);
  }
  for (const s of subdirs(dir)) await removeTree(s, timeoutMs);
  await rmdirRetry(dir, timeoutMs);
}

/**
 * Removes the container's cgroup directories (and any sub-cgroups inside them), leaf first.
 * Kills nothing: a cgroup that still has live tasks stays EBUSY and this throws CgroupFsError.
 * Parents (e.g. a shared "/berth") are left in place. Missing directories are fine.
 * `timeoutMs` bounds the EBUSY retries per directory (default 2 s).
 */
export async function removeCgroup(plan: CgroupPlan | string[], opts: { timeoutMs?: number } = {}): Promise<void> {
  const errors: unknown[] = [];
  for (const d of dirsOf(plan)) {
    try { await removeTree(d, opts.timeoutMs ?? 2000); } catch (e) { errors.push(e); }
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new CgroupError(`removing cgroups failed: ${errors.map((e) => (e as Error).message).join('; ')}`, { cause: errors });
}

/** Which directory serves each controller, found from the files present (v1), or the one dir (v2). */
export function controllerDirs(plan: CgroupPlan | string[], version?: 1 | 2): (controller: string) => string | undefined {
  const dirs = dirsOf(plan);
  const v = version ?? (Array.isArray(plan) ? (readOpt(posix.join(dirs[0] ?? '/nonexistent', 'cgroup.controllers')) !== undefined ? 2 : 1) : plan.version);
  if (v === 2) return () => dirs[0];
  const map = new Map<string, string>();
  for (const d of dirs) {
    let names: string[];
    try { names = readdirSync(d); } catch (e) { throw new CgroupFsError('readdir', d, e); }
    for (const n of names) {
      const dot = n.indexOf('.');
      if (dot > 0 && !n.startsWith('cgroup.') && !map.has(n.slice(0, dot))) map.set(n.slice(0, dot), d);
    }
  }
  // A named hierarchy (name=systemd) has no controller files; nothing is ever written there.
  return (c) => map.get(c);
}

/**
 * Applies new resource limits to an existing container cgroup (`berth-runtime update`).
 * Device rules are not touched. Returns notes about ignored settings.
 */
export async function updateCgroup(plan: CgroupPlan, resources: Resources): Promise<{ warnings: string[] }> {
  const { writes, warnings } = planUpdate(resources, plan.version, controllerDirs(plan));
  applyWrites(writes);
  return { warnings };
}

/**
 * Moving a process into a cgroup (v1, or v2 without CLONE_INTO_CGROUP) takes a global percpu
 * rwsem whose writer first waits out an RCU grace period (~8 ms on this VM, 20+ under load) unless
 * another writer left it within about the last grace period. keepAttachWarm makes such a no-op
 * move of ourselves into our own cgroup now, on a libuv thread, and again every few ms until
 * stop() (or `maxMs`): the container's own join later takes well under a millisecond. Meanwhile
 * forks wait while a write is pending, so it should start in a stretch of plain JavaScript (the
 * engine starts it as a run begins). BERTH_NO_ATTACH_WARM=1 turns it off. Best effort.
 */
export function keepAttachWarm(host: CgroupHost, maxMs = 3000, opts: { mountServer?: boolean } = {}): () => void {
  const procs = process.env.BERTH_NO_ATTACH_WARM ? undefined : ownProcsFile(host);
  // berth-mount's server (when the caller has one) writes on its own, whatever our event loop
  // is doing; a timer loop here misses its beat during long synchronous stretches.
  if (procs && opts.mountServer && startServedWarm(procs, maxMs)) return stopServedWarm;
  let stopped = !procs;
  const deadline = Date.now() + maxMs;
  void (async () => {
    while (!stopped && Date.now() < deadline) {
      // node:fs's callback form: node:fs/promises is one more module to load at start.
      const ok = await new Promise<boolean>((res) => writeFile(procs!, String(process.pid), (e) => res(!e)));
      if (!ok) return;
      await new Promise((r) => setTimeout(r, 4).unref());
    }
  })();
  return () => { stopped = true; };
}

/** Our own cgroup.procs in one of the host's hierarchies: writing our pid there moves nothing. */
function ownProcsFile(host: CgroupHost): string | undefined {
  if (process.geteuid?.() !== 0) return undefined;
  const mount = hierarchies(host)[0];
  const dir = mount && hierarchyDir(mount, mount.own);
  return dir ? posix.join(dir, 'cgroup.procs') : undefined;
}
