// A container's process.user from docker's -u forms ("user", "user:group", "uid", "uid:gid",
// "" for root), looked up in the image's /etc/passwd and /etc/group (pure: callers pass the
// files' text; a missing file is ''). The rules are runc's GetExecUser, which docker uses:
// a name must exist, a number need not and is never taken as a name; supplementary groups (the groups that list the user)
// only in the implicit form, i.e. when no group was given.

export interface ResolvedUser { uid: number; gid: number; additionalGids: number[]; home: string }

export interface PasswdEntry { name: string; uid: number; gid: number; home: string }
export interface GroupEntry { name: string; gid: number; members: string[] }

export class UserLookupError extends Error {
  override name = 'UserLookupError';
  /** The -u value that failed. */
  readonly spec: string;
  constructor(spec: string, message: string) {
    super(message);
    this.spec = spec;
  }
}

export function parsePasswd(text: string): PasswdEntry[] {
  return text.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(':')).filter((f) => f.length >= 7 && f[0])
    .map((f) => ({ name: f[0], uid: Number(f[2]), gid: Number(f[3]), home: f[5] }));
}

export function parseGroup(text: string): GroupEntry[] {
  return text.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(':')).filter((f) => f.length >= 4 && f[0])
    .map((f) => ({ name: f[0], gid: Number(f[2]), members: f[3] ? f[3].split(',') : [] }));
}

const isNum = (s: string) => /^\d+$/.test(s);

export function resolveUser(spec: string, passwdText: string, groupText: string): ResolvedUser {
  const passwd = parsePasswd(passwdText);
  const [u, g] = spec === '' ? ['0', undefined] : spec.split(':', 2) as [string, string | undefined];
  let uid: number, gid = 0, home = '/', name: string | undefined;
  // A number is always a uid (an entry named "1000" does not match it), as in runc.
  const entry = isNum(u) ? passwd.find((p) => p.uid === Number(u)) : passwd.find((p) => p.name === u);
  if (isNum(u)) uid = Number(u);
  else if (entry) uid = entry.uid;
  else throw new UserLookupError(spec, `unable to find user ${u}: no matching entries in passwd file`);
  if (entry) { gid = entry.gid; home = entry.home; name = entry.name; }
  const groups = parseGroup(groupText);
  if (g !== undefined && g !== '') {
    const ge = groups.find((x) => x.name === g) ?? (isNum(g) ? { gid: Number(g) } : undefined);
    if (!ge) throw new UserLookupError(spec, `unable to find group ${g}: no matching entries in group file`);
    return { uid, gid: ge.gid, additionalGids: [], home };
  }
  const additionalGids = name ? [...new Set(groups.filter((x) => x.members.includes(name!)).map((x) => x.gid))] : [];
  return { uid, gid, additionalGids, home };
}
