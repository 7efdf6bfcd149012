// What /proc says about processes and mounts, read the same way everywhere: the lock files, the
// runtime's state, the engine's rootfs and the network namespaces all need one or the other.
import { closeSync, constants, openSync, readFileSync } from 'node:fs';
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
