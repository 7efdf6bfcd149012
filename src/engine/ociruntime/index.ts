// The typed OCI runtime interface (interface.ts) and the factory that picks its implementation:
// berth's own runtime in process (unless BERTH_RUNTIME_IN_PROCESS=0), any other through its
// command line.
import { isOwnRuntime } from '../runtime.ts';
import { BinaryRuntime } from './binary.ts';
import { InProcessRuntime } from './inprocess.ts';
import type { OciRuntime } from './interface.ts';

export type {
  CreateOptions as RuntimeCreateOptions, ExecOptions as RuntimeExecOptions, ExecResult as RuntimeExecResult,
  OciRuntime, RuntimeFeatures, RuntimeResources, RuntimeState, RuntimeStats, RuntimeStatus,
} from './interface.ts';
export { RuntimeError, classify, runtimeMessage } from './errors.ts';
export type { RuntimeErrorKind } from './errors.ts';
export { BinaryRuntime } from './binary.ts';
export { InProcessRuntime } from './inprocess.ts';

const opened = new Map<string, OciRuntime>();

/** The runtime at `path` (absolute, see findRuntime) over the state root `root`; one object
 * per path, root and choice for the process. */
export function openRuntime(path: string, root: string): OciRuntime {
  const own = isOwnRuntime(path);
  const key = `${own ? 'lib' : 'bin'}\0${path}\0${root}`;
  let rt = opened.get(key);
  if (!rt) {
    rt = own ? new InProcessRuntime(path, root) : new BinaryRuntime(path, root);
    opened.set(key, rt);
  }
  return rt;
}
