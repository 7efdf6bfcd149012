// The process attributes `create` and `exec` both apply, in the same order: limits and
// priorities, then umask and cwd while still privileged, the seccomp filter that must precede the
// capability drop, then the identity. Pure.
import { RLIMITS } from '../../oci/index.ts';
import type { Process } from '../../oci/index.ts';
import type { Step } from '../plan.ts';
import type { PlanProblem } from './errors.ts';
import { identitySteps } from './identity.ts';
import { schedulerStep } from './scheduler.ts';

const IOPRIO_CLASS = { IOPRIO_CLASS_RT: 1, IOPRIO_CLASS_BE: 2, IOPRIO_CLASS_IDLE: 3 } as const;

export interface ProcessStepOptions {
  /** linux.personality's domain number (create only: exec'd processes keep the runtime's). */
  personality?: number;
  preserveFds: number;
  seccompFilter?: { flags: number; filter: Buffer };
  capLastCap: number;
  setgroupsDenied: boolean;
  capBounding?: bigint;
}

/** rlimit … identity steps for `proc`; problems (a bad scheduler) are added to `problems`. With
 * no_new_privs the seccomp filter is left to the caller, to go last. */
export function processSteps(proc: Process, o: ProcessStepOptions, problems: PlanProblem[]): Step[] {
  const steps: Step[] = [];
  for (const r of proc.rlimits ?? []) {
    steps.push({ op: 'rlimit', resource: RLIMITS.get(r.type)!, soft: BigInt(r.soft), hard: BigInt(r.hard) });
  }
  if (proc.oomScoreAdj !== undefined) steps.push({ op: 'oom-score-adj', value: proc.oomScoreAdj });
  if (o.personality !== undefined) steps.push({ op: 'personality', domain: o.personality });
  if (proc.ioPriority) steps.push({ op: 'ioprio', klass: IOPRIO_CLASS[proc.ioPriority.class], level: proc.ioPriority.priority });
  if (proc.scheduler) {
    const st = schedulerStep(proc.scheduler, problems);
    if (st) steps.push(st);
  }
  if (proc.noNewPrivileges) steps.push({ op: 'no-new-privs' });
  steps.push({ op: 'umask', mask: proc.user.umask ?? 0o022 });
  // chdir while still privileged (runc tries first as root): a cwd the runtime can reach but
  // the container user cannot search still works. Before the filter: chdir checks the result
  // with getcwd, which a profile may deny.
  steps.push({ op: 'chdir', path: proc.cwd });
  steps.push({ op: 'close-fds', keepBelow: 3 + o.preserveFds });
  // Without no_new_privs, loading a filter needs CAP_SYS_ADMIN: before the capabilities go.
  if (o.seccompFilter && !proc.noNewPrivileges) steps.push({ op: 'seccomp', ...o.seccompFilter });
  steps.push(...identitySteps(proc, o.capLastCap, o.setgroupsDenied, o.capBounding));
  return steps;
}
