// Value checks shared by the v1 and v2 mappings. Each throws CgroupConfigError naming the field.
import { CgroupConfigError } from './errors.ts';

/** An integer in [min, max]; `field` is the path under linux.resources for the message. */
export function int(field: string, v: unknown, min: number, max: number = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new CgroupConfigError(field, v, 'must be an integer');
  if (v < min || v > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `between ${min} and ${max}`;
    throw new CgroupConfigError(field, v, `must be ${range}`);
  }
  return v;
}

/** A byte limit: -1 (unlimited) or positive; 0 means "not set" (as runc treats it). */
export function limit(field: string, v: unknown): number | undefined {
  if (v === undefined || v === null) return undefined;
  const n = int(field, v, -1);
  return n === 0 ? undefined : n;
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
