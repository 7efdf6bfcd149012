// gRPC status codes for everything a CRI call can throw: the front's own request checks
// (CriError with its code) and the engine's typed errors, mapped once here.
import { status, type ServiceError } from '@grpc/grpc-js';
import {
  AmbiguousContainerError, ContainerStateError, EngineError, ImageUnknownError, InvalidNameError, MountSpecError,
  NameConflictError, NoSuchContainerError, NoSuchPodError, NoSuchVolumeError, PodNameConflictError, PodRequestError, PodStateError,
  RuntimeNotFoundError, UserLookupError, CheckpointUnsupportedError, NoSuchImageError, ImageConflictError, AmbiguousImageError, InvalidImageArgumentError,
} from '../engine/index.ts';

export class CriError extends Error {
  readonly code: status;
  constructor(code: status, message: string) {
    super(message);
    this.code = code;
    this.name = 'CriError';
  }
}
export const invalidArgument = (message: string) => new CriError(status.INVALID_ARGUMENT, message);
export const notFound = (message: string) => new CriError(status.NOT_FOUND, message);
export const failedPrecondition = (message: string) => new CriError(status.FAILED_PRECONDITION, message);

/** The status a thrown value maps to. Unknown failures are INTERNAL (with their message), never a crash. */
export function grpcCode(err: unknown): status {
  if (err instanceof CriError) return err.code;
  if (err instanceof NoSuchContainerError || err instanceof NoSuchVolumeError || err instanceof NoSuchPodError) return status.NOT_FOUND;
  if (err instanceof PodNameConflictError) return status.ALREADY_EXISTS;
  if (err instanceof PodRequestError || err instanceof UserLookupError) return status.INVALID_ARGUMENT;
  if (err instanceof PodStateError) return status.FAILED_PRECONDITION;
  if (err instanceof NoSuchImageError) return status.NOT_FOUND;
  if (err instanceof ImageConflictError) return status.FAILED_PRECONDITION;
  if (err instanceof AmbiguousImageError || err instanceof InvalidImageArgumentError) return status.INVALID_ARGUMENT;
  if (err instanceof Error && err.name === 'InvalidReferenceError') return status.INVALID_ARGUMENT;
  if (err instanceof ImageUnknownError) return status.NOT_FOUND;
  if (err instanceof NameConflictError) return status.ALREADY_EXISTS;
  if (err instanceof AmbiguousContainerError || err instanceof InvalidNameError || err instanceof MountSpecError) return status.INVALID_ARGUMENT;
  if (err instanceof ContainerStateError) return status.FAILED_PRECONDITION;
  if (err instanceof RuntimeNotFoundError) return status.FAILED_PRECONDITION;
  if (err instanceof CheckpointUnsupportedError) return status.UNIMPLEMENTED;
  if (err instanceof EngineError) return status.UNKNOWN;
  return status.INTERNAL;
}

export function toServiceError(err: unknown): Partial<ServiceError> {
  const message = err instanceof Error ? err.message : String(err);
  return { code: grpcCode(err), details: message, message };
}
