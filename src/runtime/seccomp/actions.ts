// Profile actions and flags → seccomp return values and filter flags.
import {
  SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO, SECCOMP_RET_KILL_PROCESS, SECCOMP_RET_KILL_THREAD,
  SECCOMP_RET_LOG, SECCOMP_RET_TRACE, SECCOMP_RET_TRAP, SECCOMP_RET_ACTION_FULL, SECCOMP_RET_DATA,
  SECCOMP_FILTER_FLAG_LOG, SECCOMP_FILTER_FLAG_SPEC_ALLOW, SECCOMP_FILTER_FLAG_TSYNC,
  SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, SECCOMP_RET_USER_NOTIF, EPERM, ENOSYS, MAX_ERRNO,
} from './bpf.ts';
import { SeccompProfileError, SeccompUnsupportedError } from './errors.ts';

/** The seccomp return value for a profile action. `errnoRet` is only meaningful for ERRNO and
 * TRACE (the spec's rule; runc and crun refuse it elsewhere too); both default to EPERM. */
export function actionValue(action: string, errnoRet: number | undefined, field: string): number {
  const needsData = action === 'SCMP_ACT_ERRNO' || action === 'SCMP_ACT_TRACE';
  if (errnoRet !== undefined && errnoRet !== null) {
    if (!needsData) throw new SeccompProfileError(field, `errnoRet is only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not ${action}`);
    if (!Number.isInteger(errnoRet) || errnoRet < 0 || errnoRet > MAX_ERRNO) {
      throw new SeccompProfileError(field, `errnoRet ${errnoRet} is not an errno value (0…${MAX_ERRNO})`);
    }
  }
  const data = errnoRet ?? EPERM;
  switch (action) {
    case 'SCMP_ACT_KILL': case 'SCMP_ACT_KILL_THREAD': return SECCOMP_RET_KILL_THREAD;
    case 'SCMP_ACT_KILL_PROCESS': return SECCOMP_RET_KILL_PROCESS;
    case 'SCMP_ACT_TRAP': return SECCOMP_RET_TRAP;
    case 'SCMP_ACT_ERRNO': return (SECCOMP_RET_ERRNO | data) >>> 0;
    case 'SCMP_ACT_TRACE': return (SECCOMP_RET_TRACE | data) >>> 0;
    case 'SCMP_ACT_ALLOW': return SECCOMP_RET_ALLOW;
    case 'SCMP_ACT_LOG': return SECCOMP_RET_LOG;
    case 'SCMP_ACT_NOTIFY':
      throw new SeccompUnsupportedError(field, 'SCMP_ACT_NOTIFY (a seccomp user-notification listener) is not supported by berth');
    default:
      throw new SeccompProfileError(field, `unknown action ${JSON.stringify(action)}`);
  }
}

export const ENOSYS_VALUE = (SECCOMP_RET_ERRNO | ENOSYS) >>> 0;

/** Readable name of a seccomp return value, e.g. `ERRNO(1)`. */
export function actionName(ret: number): string {
  const act = (ret & SECCOMP_RET_ACTION_FULL) >>> 0;
  const data = ret & SECCOMP_RET_DATA;
  switch (act) {
    case SECCOMP_RET_KILL_PROCESS: return 'KILL_PROCESS';
    case SECCOMP_RET_KILL_THREAD: return 'KILL_THREAD';
    case SECCOMP_RET_TRAP: return data ? `TRAP(${data})` : 'TRAP';
    case SECCOMP_RET_ERRNO: return `ERRNO(${data})`;
    case SECCOMP_RET_USER_NOTIF: return 'USER_NOTIF';
    case SECCOMP_RET_TRACE: return `TRACE(${data})`;
    case SECCOMP_RET_LOG: return 'LOG';
    case SECCOMP_RET_ALLOW: return 'ALLOW';
    default: return `0x${(ret >>> 0).toString(16)}`;
  }
}

/** Filter flags. WAIT_KILLABLE_RECV only means something with a notification listener (the
 * kernel refuses it without one), so as libseccomp does it is accepted and left out. */
export function flagBits(flags: readonly string[] | null | undefined): number {
  let bits = 0;
  (flags ?? []).forEach((f, i) => {
    switch (f) {
      case 'SECCOMP_FILTER_FLAG_TSYNC': bits |= SECCOMP_FILTER_FLAG_TSYNC; break;
      case 'SECCOMP_FILTER_FLAG_LOG': bits |= SECCOMP_FILTER_FLAG_LOG; break;
      case 'SECCOMP_FILTER_FLAG_SPEC_ALLOW': bits |= SECCOMP_FILTER_FLAG_SPEC_ALLOW; break;
      case 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV': void SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV; break;
      default: throw new SeccompProfileError(`flags[${i}]`, `unknown flag ${JSON.stringify(f)}`);
    }
  });
  return bits;
}
