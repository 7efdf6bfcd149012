// Who the process becomes: capability sets and ids, in the order that keeps the needed
// privileges until the last moment (bounding set first, keep-caps across the uid change, then
// the final sets), as runc's finalizeNamespace does.
import { capMask } from '../../oci/index.ts';
import type { Process } from '../../oci/index.ts';
import type { Step } from '../plan.ts';

export function identitySteps(proc: Process, capLastCap: number, setgroupsDenied: boolean): Step[] {
  const steps: Step[] = [];
  const caps = proc.capabilities;
  if (caps) {
    steps.push({ op: 'caps-bounding', mask: capMask(caps.bounding, capLastCap) });
    steps.push({ op: 'keep-caps' });
  }
  if (!setgroupsDenied) steps.push({ op: 'setgroups', gids: [...(proc.user.additionalGids ?? [])] });
  steps.push({ op: 'setresgid', gid: proc.user.gid });
  steps.push({ op: 'setresuid', uid: proc.user.uid });
  if (caps) {
    const effective = capMask(caps.effective, capLastCap);
    const permitted = capMask(caps.permitted, capLastCap);
    const inheritable = capMask(caps.inheritable, capLastCap);
    steps.push({ op: 'caps', effective, permitted, inheritable });
    // The kernel only lets a capability be ambient if it is permitted and inheritable; runc's
    // default config lists ambient caps without inheritable ones, and runc ends with none.
    steps.push({ op: 'caps-ambient', mask: capMask(caps.ambient, capLastCap) & permitted & inheritable });
  }
  return steps;
}
