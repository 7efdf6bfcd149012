// docker's error answers: a status code and `{"message": ...}`. Engine errors are typed; this
// is the one place that maps them to the statuses docker's clients branch on (404 makes the CLI
// pull, 409 is a conflict, 304 a start/stop that had nothing to do).
import {
  AmbiguousContainerError, ContainerStateError, ImageUnknownError, InvalidDetachKeysError, InvalidFilterError, InvalidNameError, MountSpecError,
  NameConflictError, NoSuchContainerError, NoSuchExecError, NoSuchNetworkError, NoSuchPathError, NoSuchVolumeError, PathTypeConflictError, PredefinedNetworkError, RuntimeNotFoundError, VolumeError, VolumeInUseError,
} from '../engine/index.ts';

export class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
    this.name = 'HttpError';
  }
}

export const badRequest = (m: string) => new HttpError(400, m);
export const notFound = (m: string) => new HttpError(404, m);
export const conflict = (m: string) => new HttpError(409, m);

/** An error class's name from the engine, matched by name as well as by class: the engine's
 * errors from other modules (network, image) are typed but not all re-exported. */
function named(e: Error, ...names: string[]): boolean {
  return names.includes(e.name) || names.includes(e.constructor?.name ?? '');
}

/** The HTTP status for an error thrown while serving a request. */
export function statusOf(e: unknown): number {
  if (e instanceof HttpError) return e.status;
  if (!(e instanceof Error)) return 500;
  if (e instanceof NoSuchContainerError || e instanceof NoSuchVolumeError || e instanceof ImageUnknownError || e instanceof NoSuchNetworkError || e instanceof NoSuchExecError || e instanceof NoSuchPathError) return 404;
  if (named(e, 'NetworkNotFoundError', 'NoSuchImageError', 'NoSuchLocalTagError', 'ImageNotFoundError')) return 404;
  if (e instanceof NameConflictError || e instanceof VolumeInUseError || e instanceof ContainerStateError || e instanceof PathTypeConflictError) return 409;
  if (named(e, 'NetworkInUseError', 'NetworkExistsError', 'ImageConflictError', 'SubnetConflictError')) return 409;
  if (e instanceof InvalidNameError || e instanceof MountSpecError || e instanceof AmbiguousContainerError || e instanceof RuntimeNotFoundError || e instanceof InvalidFilterError || e instanceof InvalidDetachKeysError) return 400;
  // The remaining volume errors are bad requests (driver, options, name).
  if (e instanceof VolumeError) return 400;
  if (named(e, 'PublishSpecError', 'InvalidReferenceError', 'InvalidImageArgumentError', 'AmbiguousImageError', 'InvalidNetworkConfigError', 'InvalidPlatformError')) return 400;
  if (named(e, 'RegistryAuthError')) return 401;
  // host and none: not to be removed, created again, joined or left (docker's 403).
  if (e instanceof PredefinedNetworkError) return 403;
  return 500;
}

/** docker's body for an error: `{"message": "..."}`. */
export function errorBody(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  return JSON.stringify({ message });
}
