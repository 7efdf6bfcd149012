// The OCI runtime's failures as typed values. Both implementations report through RuntimeError:
// the in-process one from the runtime library's typed errors, the binary one from its stderr
// (runc 1.1, crun 1.8 and berth-runtime word the same failures differently; the patterns below
// are their real messages, see test/unit/engine/ociruntime.test.ts).
import { EngineError } from '../errors.ts';

/**
 * not-found        no container with that id under the runtime's root
 * not-running      the container exists but is not in the state the call needs (created for
 *                  start, running for pause, paused for resume, stopped for delete)
 * already-stopped  the container's process has exited (kill, start, exec, pause of a stopped one)
 * invalid-config   the request or the bundle is wrong (bad id, signal, value, config.json)
 * exists           create of an id already in use
 * host-refused     the host does not allow it (permissions, cgroup layout, missing feature)
 * unsupported      the runtime has no such command (crun 1.8: events, features)
 * failed           anything else: the runtime's message says what
 */
export type RuntimeErrorKind =
  | 'not-found' | 'not-running' | 'already-stopped' | 'invalid-config' | 'exists' | 'host-refused' | 'unsupported' | 'failed';

export class RuntimeError extends EngineError {
  override name = 'RuntimeError';
  readonly kind: RuntimeErrorKind;
  /** The runtime operation (start, kill, ...) and the container id, when there is one. */
  readonly op: string;
  readonly id: string;
  /** The runtime's own message, without its log prefix (what `message` also says). */
  readonly detail: string;
  constructor(kind: RuntimeErrorKind, op: string, id: string, detail: string, options?: { cause?: unknown }) {
    super(detail, options);
    this.kind = kind;
    this.op = op;
    this.id = id;
    this.detail = detail;
  }
}

// First match wins; the order matters where runtimes reuse words (runc's "container not running"
// after a kill means the process exited; crun's "is not running" after start the same).
const PATTERNS: [RuntimeErrorKind, RegExp][] = [
  ['unsupported', /^unknown command \S+|no help topic for/i],
  ['not-found', /container does not exist|container .* does not exist|error opening file `[^`]*\/status`: No such file|cannot open directory '[^']*': No such file/i],
  ['exists', /already exists|container with id exists/i],
  ['already-stopped', /that has stopped|in a stopped container|a stopped container|not running \(stopped\)|^container not running$|^kill container: No such process|^(the )?container `[^`]*` is not running$/i],
  ['not-running', /already running|not stopped|not paused|not running|not in `created` or `stopped` state|cannot start a container in the \w+ state|exec\.fifo/i],
  ['invalid-config', /invalid container id|invalid value|invalid size|unknown signal|config\.json|must not be empty|must be|unknown version|cannot parse|no such file or directory.*bundle|bundle .*: no config\.json|open executable/i],
  ['host-refused', /operation not permitted|permission denied|EPERM|EACCES|not supported|hybrid mode|read-only file system/i],
];

/** The kind a runtime message stands for. */
export function classify(message: string): RuntimeErrorKind {
  for (const [kind, re] of PATTERNS) if (re.test(message)) return kind;
  return 'failed';
}

/** The last error a runtime printed, without its log prefix: runc's logrus line
 * (time=… level=error msg="…"), berth-runtime's "berth-runtime: …", crun's bare text. */
export function runtimeMessage(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter(Boolean);
  let pick = '';
  for (const l of lines) {
    const m = /\blevel=(\w+)\s+msg="((?:[^"\\]|\\.)*)"/.exec(l);
    if (m) {
      if (m[1] === 'error' || m[1] === 'fatal') pick = m[2].replace(/\\(.)/g, '$1');
      continue;
    }
    if (/^berth-runtime: warning:/.test(l)) continue;
    pick = l.replace(/^berth-runtime: /, '');
  }
  return pick;
}

/** A binary runtime's failed call as a RuntimeError. */
export function fromStderr(op: string, id: string, stderr: string, code: number): RuntimeError {
  const msg = runtimeMessage(stderr) || `exit status ${code}`;
  return new RuntimeError(classify(msg), op, id, msg);
}

/** A runtime-library exception as a RuntimeError (typed errors first, then the message). */
export function fromLibrary(op: string, id: string, e: unknown): RuntimeError {
  if (e instanceof RuntimeError) return e;
  const err = e as Error & { code?: string; status?: string };
  const msg = err?.message ?? String(e);
  let kind: RuntimeErrorKind;
  switch (err?.name) {
    case 'ContainerNotExistError': kind = 'not-found'; break;
    case 'ContainerExistsError': kind = 'exists'; break;
    case 'InvalidIdError': case 'SignalError': case 'UpdateValueError': case 'ExecSpecError': kind = 'invalid-config'; break;
    case 'InvalidStateError': kind = err.status === 'stopped' ? 'already-stopped' : 'not-running'; break;
    default:
      if (err?.code === 'EPERM' || err?.code === 'EACCES') kind = 'host-refused';
      // A state directory that vanished between the check and the open: deleted meanwhile.
      else if (err?.code === 'ENOENT' && id && msg.includes(`/${id}/`)) kind = 'not-found';
      else kind = classify(msg);
  }
  return new RuntimeError(kind, op, id, msg, { cause: e });
}
