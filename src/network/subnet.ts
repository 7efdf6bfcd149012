// Subnet choice for new networks: pure functions over the subnets already taken (other berth
// networks and the host's routes), so the effectful part only has to gather that list.
import { contains, formatCidr, formatIPv4, lastAddress, overlaps, parseCidr, parseIPv4 } from './cidr.ts';
import type { Cidr } from './cidr.ts';
import { InvalidNetworkConfigError, SubnetConflictError, SubnetPoolExhaustedError } from './errors.ts';

import { DEFAULT_NETWORK } from './default-name.ts';
export { DEFAULT_NETWORK };
export const DEFAULT_SUBNET = '10.88.0.0/16';
/** User networks get 10.89.N.0/24, N = 0..255, first free one. */
export const USER_POOL = '10.89.0.0/16';

/** Something that already occupies address space: `what` names it in error messages. */
export interface TakenSubnet {
  cidr: string;
  what: string;
}

function firstOverlap(c: Cidr, taken: TakenSubnet[]): TakenSubnet | undefined {
  for (const t of taken) {
    const tc = parseCidr(t.cidr, false);
    if (tc && tc.prefix > 0 && overlaps(c, tc)) return t;
  }
  return undefined;
}

/** The first /24 of the user pool that overlaps nothing taken. */
export function pickUserSubnet(taken: TakenSubnet[]): string {
  const pool = parseCidr(USER_POOL)!;
  for (let n = 0; n < 256; n++) {
    const c: Cidr = { network: (pool.network + n * 256) >>> 0, prefix: 24 };
    if (!firstOverlap(c, taken)) return formatCidr(c);
  }
  throw new SubnetPoolExhaustedError(USER_POOL);
}

/** The default network's subnet: DEFAULT_SUBNET unless something holds it (a podman or docker
 * bridge on the same /16 is common), then the first free /16 of 172.17-31 (docker's pool for
 * bridges), then a /24 of the user pool: the default network must exist for `run` to work. */
export function pickDefaultSubnet(taken: TakenSubnet[]): string {
  for (const candidate of [DEFAULT_SUBNET, ...Array.from({ length: 15 }, (_, i) => `172.${17 + i}.0.0/16`)]) {
    if (!firstOverlap(parseCidr(candidate)!, taken)) return candidate;
  }
  return pickUserSubnet(taken);
}

/** Validates a user-given subnet: canonical IPv4 CIDR, /8 to /30, overlapping nothing taken. */
export function checkSubnet(subnet: string, taken: TakenSubnet[]): string {
  const loose = parseCidr(subnet, false);
  if (!loose) throw new InvalidNetworkConfigError('subnet', subnet, 'expected an IPv4 CIDR like 10.90.0.0/24');
  if (!parseCidr(subnet, true)) {
    throw new InvalidNetworkConfigError('subnet', subnet, `host bits are set; did you mean ${formatCidr(loose)}?`);
  }
  if (loose.prefix < 8 || loose.prefix > 30) throw new InvalidNetworkConfigError('subnet', subnet, 'prefix length must be between 8 and 30');
  const clash = firstOverlap(loose, taken);
  if (clash) throw new SubnetConflictError(subnet, `${clash.what} (${clash.cidr})`);
  return subnet;
}

/** The gateway: the given one (checked to be a usable host address of the subnet) or the first host. */
export function gatewayFor(subnet: string, gateway?: string): string {
  const c = parseCidr(subnet)!;
  if (gateway === undefined) return formatIPv4(c.network + 1);
  const g = parseIPv4(gateway);
  if (g === undefined) throw new InvalidNetworkConfigError('gateway', gateway, 'expected an IPv4 address');
  if (!contains(c, g)) throw new InvalidNetworkConfigError('gateway', gateway, `not inside subnet ${subnet}`);
  if (g === c.network || g === lastAddress(c)) {
    throw new InvalidNetworkConfigError('gateway', gateway, `is the network or broadcast address of ${subnet}`);
  }
  return gateway;
}
