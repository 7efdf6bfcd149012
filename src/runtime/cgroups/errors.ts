// Typed errors for the cgroup module. Each carries what a user needs to fix the problem: the
// config field and value, or the cgroup file and the value that could not be written.

/** Base class: every error this module throws extends it. */
export class CgroupError extends Error {
  override name = 'CgroupError';
}

/** JSON text of a value; bigints (config.json integers above 2^53) as their digits. */
function showValue(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x)) ?? String(v);
}

/** A resource value in config.json that cannot be honoured (out of range, malformed...). */
export class CgroupConfigError extends CgroupError {
  override name = 'CgroupConfigError';
  readonly field: string;
  readonly value: unknown;
  constructor(field: string, value: unknown, reason: string) {
    super(`${field.startsWith('linux.') ? field : `linux.resources.${field}`}: ${reason} (got ${showValue(value)})`);
    this.field = field;
    this.value = value;
  }
}

/** linux.cgroupsPath cannot be used (systemd syntax, root cgroup, missing hierarchy...). */
export class CgroupPathError extends CgroupError {
  override name = 'CgroupPathError';
  readonly cgroupsPath: string;
  constructor(cgroupsPath: string, reason: string) {
    super(`linux.cgroupsPath ${JSON.stringify(cgroupsPath)}: ${reason}`);
    this.cgroupsPath = cgroupsPath;
  }
}

/** No usable cgroup filesystem, or mountinfo / cgroup files that cannot be parsed. */
export class CgroupHostError extends CgroupError {
  override name = 'CgroupHostError';
}

/** A filesystem operation on a cgroup file or directory failed. */
export class CgroupFsError extends CgroupError {
  override name = 'CgroupFsError';
  readonly path: string;
  readonly value: string | undefined;
  readonly code: string | undefined;
  constructor(op: string, path: string, cause: unknown, value?: string) {
    const code = (cause as NodeJS.ErrnoException | undefined)?.code;
    const what = value === undefined ? '' : ` ${JSON.stringify(value)}`;
    super(`cgroup ${op}${what} ${path}: ${code ?? (cause as Error)?.message ?? String(cause)}`, { cause });
    this.path = path;
    this.value = value;
    this.code = code;
  }
}

/** freeze/thaw did not reach the requested state in time. */
export class CgroupFreezeError extends CgroupError {
  override name = 'CgroupFreezeError';
  readonly dir: string;
  constructor(dir: string, reason: string) {
    super(`cgroup freezer ${dir}: ${reason}`);
    this.dir = dir;
  }
}
