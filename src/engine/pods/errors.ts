// Typed pod errors (fronts map them: the CLI to exit codes, the CRI to gRPC codes).
import { EngineError } from '../errors.ts';

export class NoSuchPodError extends EngineError {
  override name = 'NoSuchPodError';
  readonly ref: string;
  constructor(ref: string) {
    super(`no such pod: ${ref}`);
    this.ref = ref;
  }
}

export class PodNameConflictError extends EngineError {
  override name = 'PodNameConflictError';
  constructor(name: string, holder: string) {
    super(`the pod name "${name}" is already in use by pod ${holder}`);
  }
}

export class PodStateError extends EngineError {
  override name = 'PodStateError';
}

export class PodRequestError extends EngineError {
  override name = 'PodRequestError';
}
