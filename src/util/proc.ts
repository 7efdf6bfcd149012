// What /proc says about processes and mounts, read the same way everywhere: the lock files, the
// runtime's state, the engine's rootfs and the network namespaces all need one or the other.
import { closeSync, constants, openSync, readFileSync, readSync } from 'node:fs';
import { dirname } from 'node:path';

/** Process state letter and start time from /proc/PID/stat, or null when there is no such pid. */
export function procStat(pid: number): { state: string; startTime: string } | null {
  let text: string;
  try {
    // utf8: Node reads it in one native call (other encodings go through JS reads). Only the
    // ASCII fields after the last ')' are used, so a comm that isn't UTF-8 changes nothing.
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // comm (field 2) is in parentheses and may itself contain spaces and parentheses.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state); field 22 (starttime) is rest[19].
  return { state: rest[0], startTime: rest[19] };
}

/** True while `pid` runs (a zombie, or a pid not above 0, counts as dead). */
export function processAlive(pid: number): boolean {
  if (!(pid > 0)) return false;
  const st = procStat(pid);
  return !!st && st.state !== 'Z' && st.state !== 'X';
}

/** Liveness of processes asked about again and again (a long-lived engine's `ps`: each running
 * container's pid at every listing). It keeps each process's /proc/PID/stat open and re-reads
 * it: one pread where a path read costs an open, fstat, read and close (3.4 against 8.8 µs
 * here, more on a cold cache). A kept fd stays bound to the process it was opened on and reads
 * ESRCH once that one is reaped; the pid is then looked up afresh by path (it may be a newer
 * process's now, a container started since), so an answer is never staler than a path read.
 * A zombie reads as dead, as processAlive says. */
export class ProcessProbe {
  readonly #fds = new Map<number, number>();
  readonly #max: number;
  readonly #buf = Buffer.alloc(1024);

  /** `max`: fds kept open at most; beyond it a pid is read by path each time. */
  constructor(max = 1024) {
    this.#max = max;
  }

  /** `keep`: hold the fd for the next call (a listing); a one-off lookup reads and closes. */
  alive(pid: number, keep = true): boolean {
    if (!(pid > 0)) return false;
    const kept = this.#fds.get(pid);
    if (kept !== undefined) {
      if (this.#running(kept)) return true;
      this.#drop(pid);
    }
    let fd: number;
    try { fd = openSync(`/proc/${pid}/stat`, 'r'); } catch { return false; }
    const running = this.#running(fd);
    // Only a running process is worth keeping (a zombie stays one, or goes).
    if (running && keep && this.#fds.size < this.#max) this.#fds.set(pid, fd);
    else closeSync(fd);
    return running;
  }

  /** Closes a pid's fd (its container is known to have exited). */
  forget(pid: number): void {
    this.#drop(pid);
  }

  /** Closes the fds of every pid not in `keep` (the ones no longer asked about). */
  keepOnly(keep: ReadonlySet<number>): void {
    for (const pid of [...this.#fds.keys()]) if (!keep.has(pid)) this.#drop(pid);
  }

  /** How many fds are open (for tests). */
  get open(): number { return this.#fds.size; }

  close(): void {
    for (const pid of [...this.#fds.keys()]) this.#drop(pid);
  }

  #running(fd: number): boolean {
    let n: number;
    try { n = readSync(fd, this.#buf, 0, this.#buf.length, 0); } catch { return false; }
    if (n <= 0) return false;
    // The state letter follows the last ')' (comm may hold parentheses) and a space.
    const i = this.#buf.lastIndexOf(0x29, n - 1);
    const state = i >= 0 && i + 2 < n ? this.#buf[i + 2] : 0;
    return state !== 0 && state !== 0x5a /* Z */ && state !== 0x58 /* X */;
  }

  #drop(pid: number): void {
    const fd = this.#fds.get(pid);
    this.#fds.delete(pid);
    if (fd !== undefined) try { closeSync(fd); } catch { /* closed */ }
  }
}

/** mountinfo escapes space, tab, newline and backslash as \ooo. */
export function unescapeMountinfo(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** Our mount namespace's mount points (decoded), from /proc/self/mountinfo. */
export function mountPoints(): Set<string> {
  const set = new Set<string>();
  let text = '';
  try { text = readFileSync('/proc/self/mountinfo', 'utf8'); } catch { return set; }
  for (const line of text.split('\n')) {
    const f = line.split(' ');
    if (f[4]) set.add(unescapeMountinfo(f[4]));
  }
  return set;
}

/** The id of the mount `path` is on (the `mnt_id` of an fd opened on it), or null. */
function mountIdOf(path: string): string | null {
  let fd: number;
  try { fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY); } catch { return null; }
  try {
    return /^mnt_id:\s*(\d+)$/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))?.[1] ?? null;
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

/** Whether something is mounted at `path` (a bind mount too): its mount differs from its
 * parent's. Two small reads, where mountPoints() reads the whole of mountinfo, which grows
 * with every mounted container rootfs (a thousand of them: 0.5 MB, for each check). */
export function isMountPoint(path: string): boolean {
  const own = mountIdOf(path);
  return own !== null && own !== mountIdOf(dirname(path));
}
