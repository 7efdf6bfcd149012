// Who the process becomes: capability sets and ids, in the order that keeps the needed
// privileges until the last moment (bounding set first, keep-caps across the uid change, then
// the final sets), as runc's finalizeNamespace does.
import { capMask } from '../../oci/index.ts';
import type { Process } from '../../oci/index.ts';
import type { Step } from '../plan.ts';

// `available` is the runtime's own bounding set: a capability outside it cannot be raised by
// anyone (capset fails with EPERM), so it is left out of every set rather than failing the
// container; the container ends up with less, never more, than it asked for.
export function identitySteps(proc: Process, capLastCap: number, setgroupsDenied: boolean, available?: bigint): Step[] {
  const steps: Step[] = [];
  const caps = proc.capabilities;
  const mask = (list: string[] | undefined) => capMask(list, capLastCap) & (available ?? ~0n);
  if (caps) {
    steps.push({ op: 'caps-bounding', mask: mask(caps.bounding) });
    steps.push({ op: 'keep-caps' });
  }
  if (!setgroupsDenied) steps.push({ op: 'setgroups', gids: [...(proc.user.additionalGids ?? [])] });
  steps.push({ op: 'setresgid', gid: proc.user.gid });
  steps.push({ op: 'setresuid', uid: proc.user.uid });
  if (caps) {
    const effective = mask(caps.effective);
    const permitted = mask(caps.permitted);
    const inheritable = mask(caps.inheritable);
    steps.push({ op: 'caps', effective, permitted, inheritable });
    // The kernel only lets a capability be ambient if it is permitted and inheritable; runc's
    // default config lists ambient caps without inheritable ones, and runc ends with none.
    steps.push({ op: 'caps-ambient', mask: mask(caps.ambient) & permitted & inheritable });
  }
  return steps;
}
