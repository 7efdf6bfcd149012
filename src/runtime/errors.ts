// Typed errors of the container lifecycle. Messages follow runc's wording where tools (containerd,
// conmon, podman) match on them.

export class ContainerNotExistError extends Error {
  override name = 'ContainerNotExistError';
  readonly id: string;
  constructor(id: string) {
    super('container does not exist');
    this.id = id;
  }
}

export class ContainerExistsError extends Error {
  override name = 'ContainerExistsError';
  readonly id: string;
  constructor(id: string) {
    super(`container with id exists: ${id}`);
    this.id = id;
  }
}

export class InvalidIdError extends Error {
  override name = 'InvalidIdError';
  constructor(id: string) {
    super(`invalid container id ${JSON.stringify(id)}: must match [A-Za-z0-9_+.-]+ and not be "." or ".."`);
  }
}

/** An operation asked of a container in a status that doesn't allow it. */
export class InvalidStateError extends Error {
  override name = 'InvalidStateError';
  readonly id: string;
  readonly status: string;
  constructor(id: string, status: string, message: string) {
    super(message);
    this.id = id;
    this.status = status;
  }
}

/** `create` failed at a given point; everything it had made has been undone. */
export class CreateError extends Error {
  override name = 'CreateError';
  readonly id: string;
  /** 0-based plan step index when the helper reported the failure, else undefined. */
  readonly step: number | undefined;
  readonly op: string | undefined;
  constructor(id: string, message: string, step?: number, op?: string, options?: { cause?: unknown }) {
    super(step !== undefined ? `create ${id}: step ${step} (${op}): ${message}` : `create ${id}: ${message}`, options);
    this.id = id;
    this.step = step;
    this.op = op;
  }
}

/** A hook failed (non-zero exit, timeout, or could not be started). */
export class HookError extends Error {
  override name = 'HookError';
  readonly kind: string;
  readonly path: string;
  constructor(kind: string, path: string, message: string) {
    super(`${kind} hook ${path}: ${message}`);
    this.kind = kind;
    this.path = path;
  }
}

export { LockTimeoutError } from '../util/lock.ts';

export class SignalError extends Error {
  override name = 'SignalError';
  constructor(sig: string) {
    super(`unknown signal ${JSON.stringify(sig)}`);
  }
}
