// Rootless berth's process plumbing: who the engine works for when it is not the host's root,
// and the re-exec of a command into that user's own user namespace (native/userns.c, the
// berth-userns helper, holds it open with a pause process). Inside it the engine is the
// namespace's root; outside, only the helper can get it there (Node cannot unshare a user
// namespace: it is multithreaded). docs/rootless.md has the design.
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';

export interface RootlessUser {
  /** The user's uid and gid on the host. */
  uid: number;
  gid: number;
  home: string;
  /** Running as root of the user's own user namespace (else: as the user, outside it). */
  inNamespace: boolean;
}

function read(path: string): string {
  try { return readFileSync(path, 'utf8'); } catch { return ''; }
}

/** The host id mapped to 0 by a uid_map/gid_map text; undefined for the initial namespace's
 * identity map (or none). */
export function hostIdOfRoot(map: string): number | undefined {
  for (const line of map.trim().split('\n')) {
    const [inside, outside, count] = line.trim().split(/\s+/).map(Number);
    if (inside === 0 && outside === 0 && count === 4294967295) return undefined;
    if (inside === 0 && count >= 1) return outside;
  }
  return undefined;
}

function homeOf(uid: number, env: NodeJS.ProcessEnv): string {
  if (env.HOME) return env.HOME;
  const line = read('/etc/passwd').split('\n').find((l) => l.split(':')[2] === String(uid));
  return line?.split(':')[5] || '/';
}

/** The user the engine works for when that is not the host's root: the caller (not root), or
 * the user whose namespace this is (root of a non-initial user namespace). null for root. */
export function rootlessUser(env: NodeJS.ProcessEnv = process.env): RootlessUser | null {
  const euid = process.geteuid?.() ?? 0;
  if (euid !== 0) {
    let home = env.HOME;
    if (!home) { try { home = userInfo().homedir; } catch { home = homeOf(euid, env); } }
    return { uid: euid, gid: process.getegid?.() ?? euid, home, inNamespace: false };
  }
  const uid = hostIdOfRoot(read('/proc/self/uid_map'));
  if (uid === undefined || uid === 0) return null;
  const gid = hostIdOfRoot(read('/proc/self/gid_map')) ?? uid;
  return { uid, gid, home: homeOf(uid, env), inNamespace: true };
}

/** This process's user namespace maps one id only (a rootless namespace without subordinate
 * ranges): it cannot chown to anything else. */
export function mapsOneId(): boolean {
  const lines = read('/proc/self/uid_map').trim().split('\n').filter(Boolean);
  if (lines.length !== 1) return false;
  return Number(lines[0].trim().split(/\s+/)[2]) === 1;
}

/** The argv that runs `command` inside the user's namespace through `helper` (berth-userns),
 * or null when no re-exec is needed: root, or already inside. */
export function userNamespaceArgv(helper: string, runRoot: string, command: string[]): string[] | null {
  const user = rootlessUser();
  if (!user || user.inNamespace) return null;
  return [helper, runRoot, ...command];
}
