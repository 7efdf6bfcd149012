// Value checks shared by the v1 and v2 mappings. Each throws CgroupConfigError naming the field.
import { CgroupConfigError } from './errors.ts';

/** An integer from config.json (a bigint above 2^53, see src/oci), or a decimal string from a
 * command line: converted without rounding. */


export const I64_MAX = (1n << 63n) - 1n;
export const I64_MIN = -(1n << 63n);
export const U64_MAX = (1n << 64n) - 1n;

function toBigInt(field: string, v: unknown): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
  if (typeof v === 'string' && /^-?[0-9]{1,20}$/.test(v)) return BigInt(v);
  throw new CgroupConfigError(field, v, 'must be an integer');
}

function rangeText(min: bigint, max: bigint, top: bigint): string {
  return max === top ? `at least ${min}` : `between ${min} and ${max}`;
}

/** An exact integer in [min, max] (default max: 2^63-1). */
export function bigInt(field: string, v: unknown, min: bigint, max: bigint = I64_MAX): bigint {
  const n = toBigInt(field, v);
  if (n < min || n > max) throw new CgroupConfigError(field, v, `must be ${rangeText(min, max, I64_MAX)}`);
  return n;
}

/** An integer in [min, max] that fits a JavaScript number; `field` is the path under
 * linux.resources for the message. */
export function int(field: string, v: unknown, min: number, max: number = Number.MAX_SAFE_INTEGER): number {
  const n = toBigInt(field, v);
  if (n < BigInt(min) || n > BigInt(max)) throw new CgroupConfigError(field, v, `must be ${rangeText(BigInt(min), BigInt(max), BigInt(Number.MAX_SAFE_INTEGER))}`);
  return Number(n);
}

/** A byte limit: -1 (unlimited) or positive up to 2^63-1, exact; 0 means "not set" (as runc
 * treats it). */
export function limit(field: string, v: unknown): bigint | undefined {
  if (v === undefined || v === null) return undefined;
  const n = bigInt(field, v, -1n);
  return n === 0n ? undefined : n;
}

/** The value is present and not one of the spec's "not set" numbers (0, or -1 for swappiness);
 * anything malformed counts as present so that the range check reports it. */
export function isSet(v: unknown, ...unset: number[]): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v === 'number' || typeof v === 'bigint') return !unset.includes(Number(v));
  if (typeof v === 'string' && /^-?[0-9]+$/.test(v)) return !unset.includes(Number(v));
  return true;
}

const cpuList = /^\s*$|^\d+(-\d+)?(,\d+(-\d+)?)*$/;
/** A cpu or memory-node list such as "0-3,6". */
export function cpuListValue(field: string, v: unknown): string {
  if (typeof v !== 'string' || !cpuList.test(v)) throw new CgroupConfigError(field, v, 'must be a list like "0-3,6"');
  for (const part of v.split(',')) {
    const [a, b] = part.split('-').map(Number);
    if (b !== undefined && b < a) throw new CgroupConfigError(field, v, `range ${part} is reversed`);
  }
  return v.trim();
}

/** A device number: 0 or more. */
export function devNum(field: string, v: unknown): number {
  return int(field, v, 0, 0xffffffff);
}

const pageSize = /^[1-9][0-9]*[KMG]B$/;
export function hugepageSize(field: string, v: unknown): string {
  if (typeof v !== 'string' || !pageSize.test(v)) throw new CgroupConfigError(field, v, 'must be a page size such as "2MB" or "1GB"');
  return v;
}

/** A unified key must name one file in the cgroup directory: "<controller>.<file>". */
export function unifiedKey(key: string): string {
  if (key === '' || key === '.' || key === '..' || key.includes('/') || key.includes('\0') || /\s/.test(key)) {
    throw new CgroupConfigError(`unified[${JSON.stringify(key)}]`, key, 'key must be a plain file name (no "/", "..", spaces)');
  }
  if (!/^[a-z0-9_]+\.[A-Za-z0-9_.]+$/.test(key)) {
    throw new CgroupConfigError(`unified[${JSON.stringify(key)}]`, key, 'key must look like "<controller>.<file>"');
  }
  if (key.startsWith('cgroup.') && key !== 'cgroup.freeze' && key !== 'cgroup.max.depth' && key !== 'cgroup.max.descendants' && key !== 'cgroup.type') {
    throw new CgroupConfigError(`unified[${JSON.stringify(key)}]`, key, 'cgroup core files other than freeze/max.*/type cannot be set');
  }
  return key;
}

export function unifiedValue(key: string, v: unknown): string {
  if (typeof v !== 'string' || v.includes('\0')) throw new CgroupConfigError(`unified[${JSON.stringify(key)}]`, v, 'value must be a string');
  return v;
}
