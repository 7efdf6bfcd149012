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

/** One line of a uid_map/gid_map: `count` ids from `inside` on are `outside` on in the parent. */
export interface IdMapLine { inside: number; outside: number; count: number }

/** The lines of a uid_map/gid_map text ('' for none). */
export function parseIdMap(map: string): IdMapLine[] {
  return map.split('\n').filter((l) => l.trim()).map((l) => {
    const [inside, outside, count] = l.trim().split(/\s+/).map(Number);
    return { inside, outside, count };
  });
}

/** This process's /proc/self/uid_map (or gid_map); '' without /proc. */
export function selfIdMap(which: 'uid' | 'gid' = 'uid'): string {
  return read(`/proc/self/${which}_map`);
}

/** Whether a uid_map text is the initial user namespace's identity map (all 2^32-1 ids). */
export function isInitialUserNs(map: string): boolean {
  const lines = parseIdMap(map);
  return lines.length === 1 && lines[0].inside === 0 && lines[0].outside === 0 && lines[0].count === 4294967295;
}

let inside: boolean | undefined;

/** Whether this process is in a user namespace other than the host's (no /proc: the host's). */
export function inUserNamespace(): boolean {
  if (inside === undefined) {
    const map = selfIdMap();
    inside = map !== '' && !isInitialUserNs(map);
  }
  return inside;
}

/** The host id mapped to 0 by a uid_map/gid_map text; undefined for the initial namespace's
 * identity map (or none). */
export function hostIdOfRoot(map: string): number | undefined {
  if (isInitialUserNs(map)) return undefined;
  return parseIdMap(map).find((l) => l.inside === 0 && l.count >= 1)?.outside;
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
  const uid = hostIdOfRoot(selfIdMap());
  if (uid === undefined || uid === 0) return null;
  const gid = hostIdOfRoot(selfIdMap('gid')) ?? uid;
  return { uid, gid, home: homeOf(uid, env), inNamespace: true };
}

/** This process's user namespace maps one id only (a rootless namespace without subordinate
 * ranges): it cannot chown to anything else. */
export function mapsOneId(): boolean {
  const lines = parseIdMap(selfIdMap());
  return lines.length === 1 && lines[0].count === 1;
}

/** The argv that runs `command` inside the user's namespace through `helper` (berth-userns),
 * or null when no re-exec is needed: root, or already inside. */
export function userNamespaceArgv(helper: string, runRoot: string, command: string[]): string[] | null {
  const user = rootlessUser();
  if (!user || user.inNamespace) return null;
  return [helper, runRoot, ...command];
}
