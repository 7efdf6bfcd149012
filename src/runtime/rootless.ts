// What changes when berth-runtime runs without root: id maps with subordinate ranges are written
// by the setuid newuidmap/newgidmap (which check /etc/subuid and /etc/subgid), and a cgroup the
// caller cannot create is left out rather than failing the container (cgroup v1 is never
// delegated to a user; runc's rootless mode does the same when no limit is asked for).
import { accessSync, constants, existsSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { NEWGIDMAP, NEWUIDMAP } from './host.ts';
import type { CgroupPlan, IdMap, RuntimePlan } from './plan.ts';
import { execFileAsync as run } from '../util/exec.ts';

/** newuidmap/newgidmap refused a mapping (not in the caller's subordinate ranges, typically). */
export class IdMapError extends Error {
  override name = 'IdMapError';
  readonly tool: string;
  readonly pid: number;
  constructor(tool: string, pid: number, detail: string) {
    super(`${tool} for pid ${pid} failed: ${detail.trim() || 'no message'} (the ranges must be in /etc/sub${tool.includes('uid') ? 'uid' : 'gid'} for this user)`);
    this.tool = tool;
    this.pid = pid;
  }
}

function idMapText(maps: IdMap[]): string {
  return maps.map((m) => `${m.containerID} ${m.hostID} ${m.size}\n`).join('');
}

/** newuidmap's arguments: PID then `inside outside count` triples. */
export function idMapArgs(pid: number, maps: IdMap[]): string[] {
  return [String(pid), ...maps.flatMap((m) => [String(m.containerID), String(m.hostID), String(m.size)])];
}

async function helper(tool: string, pid: number, maps: IdMap[]): Promise<void> {
  try {
    await run(tool, idMapArgs(pid, maps));
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new IdMapError(tool, pid, err.stderr || err.message);
  }
}

/** Writes the plan's id maps for the init `pid` (waiting for "go" in its new user namespace). */
export async function writeIdMaps(pid: number, plan: Pick<RuntimePlan, 'uidMappings' | 'gidMappings' | 'setgroups' | 'idMapper'>): Promise<void> {
  if (!plan.uidMappings.length && !plan.gidMappings.length) return;
  if (plan.idMapper === 'newidmap') {
    await Promise.all([
      plan.uidMappings.length ? helper(NEWUIDMAP, pid, plan.uidMappings) : undefined,
      plan.gidMappings.length ? helper(NEWGIDMAP, pid, plan.gidMappings) : undefined,
    ]);
    return;
  }
  if (plan.setgroups) writeFileSync(`/proc/${pid}/setgroups`, plan.setgroups);
  if (plan.uidMappings.length) writeFileSync(`/proc/${pid}/uid_map`, idMapText(plan.uidMappings));
  if (plan.gidMappings.length) writeFileSync(`/proc/${pid}/gid_map`, idMapText(plan.gidMappings));
}

/** Whether this process could make `dir` (its nearest existing ancestor is writable). */
export function creatable(dir: string): boolean {
  let d = dir;
  while (!existsSync(d) && d !== dirname(d)) d = dirname(d);
  try {
    accessSync(d, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** The cgroup plan an unprivileged caller can apply: itself when every directory can be made,
 * else null (with the reason, for --debug and for limits that will not apply). */
export function rootlessCgroup(plan: CgroupPlan | null): { cgroup: CgroupPlan | null; dropped?: string } {
  if (!plan) return { cgroup: null };
  const blocked = plan.dirs.find((d) => !creatable(d));
  if (!blocked) return { cgroup: plan };
  return { cgroup: null, dropped: `no cgroup: ${blocked} cannot be created without root (cgroup v${plan.version} is not delegated to this user)${plan.writes.length ? `; ${plan.writes.length} resource settings are not applied` : ''}` };
}
