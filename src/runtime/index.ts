// berth-runtime as a library: what the engine, the CRI and the Docker API layers call instead of
// spawning the CLI. Each operation works on a state root (default /run/berth-runtime) and an id.
export { createContainer, runContainer, dryRun, prepareCreate } from './create.ts';
export type { CreateOptions, Created, RunOptions } from './create.ts';
export {
  startContainer, killContainer, deleteContainer, getState, listContainers, containerStatus, waitGone, killAndWait,
} from './container.ts';
export type { DeleteOptions, ListEntry, Warn } from './container.ts';
export { DEFAULT_ROOT, deriveStatus, readRecord, initAlive, procStat } from './state.ts';
export type { ContainerRecord, PrintedState, Status } from './state.ts';
export { parseSignal, signalNumber, signalExitCode } from './signals.ts';
export { runHook, runHooks } from './hooks.ts';
export {
  ContainerExistsError, ContainerNotExistError, CreateError, HookError, InvalidIdError, InvalidStateError,
  LockTimeoutError, SignalError,
} from './errors.ts';
