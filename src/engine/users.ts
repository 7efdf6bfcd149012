// docker's -u: "user", "user:group", "uid", "uid:gid", names looked up in the image's
// /etc/passwd and /etc/group (pure: the caller passes the files' text).
import { EngineError } from './errors.ts';

export interface ResolvedUser { uid: number; gid: number; additionalGids: number[]; home: string }

export class UserLookupError extends EngineError {
  override name = 'UserLookupError';
  constructor(spec: string, why: string) {
    super(`unable to find user ${spec}: ${why}`);
    this.exitCode = 126;
  }
}

interface PasswdEntry { name: string; uid: number; gid: number; home: string }
interface GroupEntry { name: string; gid: number; members: string[] }

export function parsePasswd(text: string): PasswdEntry[] {
  return text.split('\n').map((l) => l.split(':')).filter((f) => f.length >= 7 && f[0])
    .map((f) => ({ name: f[0], uid: Number(f[2]), gid: Number(f[3]), home: f[5] }));
}

export function parseGroup(text: string): GroupEntry[] {
  return text.split('\n').map((l) => l.split(':')).filter((f) => f.length >= 4 && f[0])
    .map((f) => ({ name: f[0], gid: Number(f[2]), members: f[3] ? f[3].split(',') : [] }));
}

const isNum = (s: string) => /^\d+$/.test(s);

export function resolveUser(spec: string, passwdText: string, groupText: string): ResolvedUser {
  const passwd = parsePasswd(passwdText);
  const groups = parseGroup(groupText);
  const [u, g] = spec === '' ? ['0', undefined] : spec.split(':', 2) as [string, string | undefined];
  let uid: number, gid: number, home = '/', name: string | undefined;
  if (isNum(u)) {
    uid = Number(u);
    const e = passwd.find((p) => p.uid === uid);
    gid = e?.gid ?? 0; home = e?.home ?? '/'; name = e?.name;
  } else {
    const e = passwd.find((p) => p.name === u);
    if (!e) throw new UserLookupError(spec, `no matching entries in passwd file`);
    uid = e.uid; gid = e.gid; home = e.home; name = e.name;
  }
  if (g !== undefined && g !== '') {
    if (isNum(g)) gid = Number(g);
    else {
      const ge = groups.find((x) => x.name === g);
      if (!ge) throw new UserLookupError(spec, `no matching entries in group file`);
      gid = ge.gid;
    }
  }
  const additionalGids = name ? groups.filter((x) => x.members.includes(name!) && x.gid !== gid).map((x) => x.gid) : [];
  return { uid, gid, additionalGids, home };
}
