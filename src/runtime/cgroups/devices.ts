// Device access rules as the v1 devices controller takes them ("c 1:3 rwm"), in the order the
// runtime applies them: spec rules, then the container's device nodes, then the defaults every
// container gets (the same set runc allows).
import { CgroupConfigError } from './errors.ts';
import { bigInt, isSet } from './validate.ts';
import type { I64, DeviceCgroupRule, Device } from '../../oci/spec.ts';

export interface DeviceRule { allow: boolean; rule: string }

/** Devices every container may use (and mknod of anything), as runc and crun allow them. */
export const DEFAULT_DEVICE_RULES: readonly string[] = [
  'c *:* m', 'b *:* m',
  'c 1:3 rwm', // null
  'c 1:8 rwm', // random
  'c 1:7 rwm', // full
  'c 5:0 rwm', // tty
  'c 1:5 rwm', // zero
  'c 1:9 rwm', // urandom
  'c 136:* rwm', // pts
  'c 5:2 rwm', // ptmx
  'c 10:200 rwm', // net/tun
];

function num(field: string, v: I64 | null | undefined): string {
  if (!isSet(v, -1)) return '*';
  let n: bigint;
  try { n = bigInt(field, v, 0n, 0xffffffffn); } catch { throw new CgroupConfigError(field, v, 'must be a device number, -1 or absent'); }
  return String(n);
}

/** One spec rule as the kernel's text form. */
export function deviceRule(d: DeviceCgroupRule, i: number): DeviceRule {
  const field = `devices[${i}]`;
  if (typeof d.allow !== 'boolean') throw new CgroupConfigError(`${field}.allow`, d.allow, 'must be true or false');
  const type = d.type ?? 'a';
  if (!['a', 'b', 'c'].includes(type)) throw new CgroupConfigError(`${field}.type`, d.type, 'must be "a", "b" or "c"');
  const access = d.access ?? 'rwm';
  if (access === '' || !/^[rwm]+$/.test(access)) throw new CgroupConfigError(`${field}.access`, d.access, 'must be letters from "rwm"');
  if (type === 'a') return { allow: d.allow, rule: 'a' };
  return { allow: d.allow, rule: `${type} ${num(`${field}.major`, d.major)}:${num(`${field}.minor`, d.minor)} ${access}` };
}

/** The full ordered rule list for a new container. */
export function deviceRules(spec: DeviceCgroupRule[] | undefined, nodes: Device[] | undefined, defaults: boolean): DeviceRule[] {
  const out = (spec ?? []).map(deviceRule);
  for (const [i, n] of (nodes ?? []).entries()) {
    // Character ('c' or 'u' unbuffered) and block nodes; fifos need no cgroup permission.
    const type = n.type === 'u' ? 'c' : n.type;
    if (type !== 'c' && type !== 'b') continue;
    out.push({ allow: true, rule: `${type} ${num(`linux.devices[${i}].major`, n.major)}:${num(`linux.devices[${i}].minor`, n.minor)} rwm` });
  }
  if (defaults) for (const rule of DEFAULT_DEVICE_RULES) out.push({ allow: true, rule });
  return out;
}
