// The helper's step list for `exec`: join the running container's namespaces (user first: it
// grants the privileges for the others; mount last: after it the host's paths are gone), clone
// into them with no new namespace (joining a pid namespace only takes effect for a child, which
// is why there is a clone at all), then the process steps as `create` has them. The cgroup join
// is not a step: the runtime writes the pid into the container's cgroup.procs while the child
// waits for "go". Pure: every fact about the container and the host arrives in ExecPlanContext.
import { RLIMITS } from '../../oci/index.ts';
import type { Process } from '../../oci/index.ts';
import { mergeEnv } from '../../oci/env.ts';
import type { NsName, Step } from '../plan.ts';
import { processSteps } from '../planner/process-steps.ts';
import { searchPath } from '../planner.ts';
import { ExecSpecError, type ExecProblem } from './errors.ts';

export interface NsJoin { ns: NsName; path: string }

export interface ExecPlanContext {
  id: string;
  /** The container's namespaces that differ from the runtime's own, any order. */
  join: NsJoin[];
  capLastCap: number;
  /** Where the pty master goes (process.terminal). */
  consoleSocket?: string;
  /** Extra fds 3..3+n-1 handed over unchanged. */
  preserveFds: number;
  /** The container's compiled linux.seccomp, if it has one. */
  seccompFilter?: { flags: number; filter: Buffer };
  /** The runtime's own bounding set: capabilities outside it are left out (they cannot be had). */
  capBounding?: bigint;
  /** The container's user namespace denies setgroups (rootless). */
  setgroupsDenied: boolean;
  /** HOME for a uid without HOME in env (from the container's /etc/passwd). */
  home?: string;
  /** The host has AppArmor / SELinux enabled (only changes the refusal's wording). */
  apparmor?: boolean;
  selinux?: boolean;
}

/** The order namespaces are joined in. */
export const JOIN_ORDER: NsName[] = ['user', 'ipc', 'uts', 'network', 'pid', 'cgroup', 'time', 'mount'];

function check(proc: Process, ctx: ExecPlanContext): ExecProblem[] {
  const problems: ExecProblem[] = [];
  if (!proc.args?.length) problems.push({ path: 'process.args', message: 'must name a program to run' });
  if (typeof proc.cwd !== 'string' || !proc.cwd.startsWith('/')) problems.push({ path: 'process.cwd', message: `must be an absolute path (got ${JSON.stringify(proc.cwd)})` });
  if (!proc.user || !Number.isInteger(proc.user.uid) || !Number.isInteger(proc.user.gid)) problems.push({ path: 'process.user', message: 'needs integer uid and gid' });
  if (proc.terminal && !ctx.consoleSocket) problems.push({ path: 'process.terminal', message: 'a terminal needs --console-socket' });
  if (proc.apparmorProfile) {
    problems.push({ path: 'process.apparmorProfile', message: ctx.apparmor ? 'AppArmor profiles are not supported by berth-runtime' : 'AppArmor is not enabled on this host' });
  }
  if (proc.selinuxLabel) {
    problems.push({ path: 'process.selinuxLabel', message: ctx.selinux ? 'SELinux labels are not supported by berth-runtime' : 'SELinux is not enabled on this host' });
  }
  if (proc.execCPUAffinity) problems.push({ path: 'process.execCPUAffinity', message: 'exec CPU affinity is not supported by berth-runtime' });
  for (const [i, r] of (proc.rlimits ?? []).entries()) {
    if (!RLIMITS.has(r.type)) problems.push({ path: `process.rlimits[${i}].type`, message: `unknown rlimit ${JSON.stringify(r.type)}` });
  }
  for (const set of ['bounding', 'effective', 'inheritable', 'permitted', 'ambient'] as const) {
    for (const [i, c] of (proc.capabilities?.[set] ?? []).entries()) {
      if (!/^CAP_[A-Z_]+$/.test(c)) problems.push({ path: `process.capabilities.${set}[${i}]`, message: `unknown capability ${JSON.stringify(c)}` });
    }
  }
  return problems;
}

/** The steps for running `proc` inside the container. Throws ExecSpecError listing every problem. */
export function planExec(proc: Process, ctx: ExecPlanContext): Step[] {
  const problems = check(proc, ctx);
  if (problems.length) throw new ExecSpecError(ctx.id, problems);
  const steps: Step[] = [];
  // Dialled before any join: afterwards the socket's host path may not be reachable.
  if (proc.terminal) steps.push({ op: 'console-dial', socket: ctx.consoleSocket! });
  for (const ns of JOIN_ORDER) {
    const j = ctx.join.find((x) => x.ns === ns);
    if (j) steps.push({ op: 'setns', path: j.path, ns });
  }
  steps.push({ op: 'clone', namespaces: [] });

  if (proc.terminal) steps.push({ op: 'console-pty', rows: proc.consoleSize?.height ?? 0, cols: proc.consoleSize?.width ?? 0 });
  else steps.push({ op: 'setsid' });
  const procProblems: ExecProblem[] = [];
  steps.push(...processSteps(proc, ctx, procProblems));
  if (procProblems.length) throw new ExecSpecError(ctx.id, procProblems);
  const env = mergeEnv(proc.env ?? []);
  if (!env.some((e) => e.startsWith('HOME='))) env.push(`HOME=${ctx.home ?? '/'}`);
  // As create: a missing or non-executable program is reported (127/126) before the runtime
  // says it started, looked up as the process's user with its PATH; before a no_new_privs
  // filter, which need not allow the lookup.
  steps.push({ op: 'find-exec', path: proc.args[0], searchPath: searchPath(env) });
  if (ctx.seccompFilter && proc.noNewPrivileges) steps.push({ op: 'seccomp', ...ctx.seccompFilter });
  steps.push({ op: 'exec', path: proc.args[0], args: [...proc.args], env });
  return steps;
}
