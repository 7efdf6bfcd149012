// process.scheduler → the `scheduler` step (sched_setattr). Numbers are the kernel's
// (include/uapi/linux/sched.h); SCHED_ISO was never merged into Linux and is refused.
import type { Scheduler } from '../../oci/index.ts';
import type { Step } from '../plan.ts';
import type { PlanProblem } from './errors.ts';

const POLICY: Record<string, number> = {
  SCHED_OTHER: 0, SCHED_FIFO: 1, SCHED_RR: 2, SCHED_BATCH: 3, SCHED_IDLE: 5, SCHED_DEADLINE: 6,
};
const FLAGS: Record<string, bigint> = {
  SCHED_FLAG_RESET_ON_FORK: 0x01n, SCHED_FLAG_RECLAIM: 0x02n, SCHED_FLAG_DL_OVERRUN: 0x04n,
  SCHED_FLAG_KEEP_POLICY: 0x08n, SCHED_FLAG_KEEP_PARAMS: 0x10n, SCHED_FLAG_UTIL_CLAMP_MIN: 0x20n,
  SCHED_FLAG_UTIL_CLAMP_MAX: 0x40n,
};

export function schedulerStep(s: Scheduler, problems: PlanProblem[], at = 'process.scheduler'): Step | undefined {
  const policy = POLICY[s.policy];
  if (policy === undefined) {
    problems.push({ path: `${at}.policy`, message: s.policy === 'SCHED_ISO' ? 'SCHED_ISO does not exist in Linux' : `unknown policy ${JSON.stringify(s.policy)}` });
    return undefined;
  }
  let flags = 0n;
  for (const [i, f] of (s.flags ?? []).entries()) {
    const bit = FLAGS[f];
    if (bit === undefined) problems.push({ path: `${at}.flags[${i}]`, message: `unknown flag ${JSON.stringify(f)}` });
    else flags |= bit;
  }
  const priority = s.priority ?? 0;
  const realtime = policy === 1 || policy === 2;
  if (realtime && (priority < 1 || priority > 99)) problems.push({ path: `${at}.priority`, message: `${s.policy} needs a priority from 1 to 99 (got ${priority})` });
  if (!realtime && priority !== 0) problems.push({ path: `${at}.priority`, message: `must be 0 for ${s.policy} (got ${priority})` });
  const big = (v: unknown) => BigInt((v as number | bigint | undefined) ?? 0);
  const runtime = big(s.runtime), deadline = big(s.deadline), period = big(s.period);
  if (policy === 6 && (!runtime || !deadline)) problems.push({ path: at, message: 'SCHED_DEADLINE needs runtime and deadline' });
  if (policy !== 6 && (runtime || deadline || period)) problems.push({ path: at, message: `runtime, deadline and period only apply to SCHED_DEADLINE` });
  return { op: 'scheduler', policy, flags, nice: s.nice ?? 0, priority, runtime, deadline, period };
}
