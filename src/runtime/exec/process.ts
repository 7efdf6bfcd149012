// The process `exec` runs: either a whole process.json (--process, how conmon and containerd
// call it) or the container's own process with runc's command-line overrides. Pure.
import type { Process } from '../../oci/index.ts';
import { ExecSpecError } from './errors.ts';

export interface ExecOverrides {
  /** Arguments after the container id (the program and its arguments). */
  args?: string[];
  /** --tty (undefined: not given). */
  tty?: boolean;
  consoleSize?: { height: number; width: number };
  /** --env, appended (a later entry replaces an earlier one of the same name). */
  env?: string[];
  cwd?: string;
  /** --user uid[:gid] */
  user?: string;
  additionalGids?: number[];
  /** --cap, added to every capability set. */
  caps?: string[];
  /** --no-new-privs (undefined: not given). */
  noNewPrivs?: boolean;
  /** --apparmor / --process-label: recorded so that the planner refuses them clearly. */
  apparmor?: string;
  processLabel?: string;
}

function parseUser(id: string, s: string): { uid: number; gid?: number } {
  const m = /^(\d+)(?::(\d+))?$/.exec(s);
  if (!m) throw new ExecSpecError(id, [{ path: '--user', message: `must be uid[:gid] with numeric ids (got ${JSON.stringify(s)})` }]);
  return { uid: Number(m[1]), ...(m[2] !== undefined ? { gid: Number(m[2]) } : {}) };
}

/** Parses process.json text; the problems name the file. */
export function parseProcessJson(id: string, text: string, file: string): Process {
  let p: unknown;
  try {
    p = JSON.parse(text);
  } catch (e) {
    throw new ExecSpecError(id, [{ path: file, message: `not valid JSON: ${(e as Error).message}` }]);
  }
  if (!p || typeof p !== 'object' || Array.isArray(p)) throw new ExecSpecError(id, [{ path: file, message: 'must hold a JSON object (a runtime-spec process)' }]);
  const proc = p as Process;
  if (!Array.isArray(proc.args) || !proc.args.every((a) => typeof a === 'string')) {
    throw new ExecSpecError(id, [{ path: `${file}: args`, message: 'must be an array of strings' }]);
  }
  if (proc.env !== undefined && (!Array.isArray(proc.env) || !proc.env.every((a) => typeof a === 'string'))) {
    throw new ExecSpecError(id, [{ path: `${file}: env`, message: 'must be an array of strings' }]);
  }
  proc.user ??= { uid: 0, gid: 0 };
  proc.cwd ||= '/';
  return proc;
}

/** The container's process with runc's `exec` flags applied. */
export function processFromFlags(id: string, base: Process, o: ExecOverrides): Process {
  const p = structuredClone(base);
  p.args = [...(o.args ?? [])];
  if (o.cwd) p.cwd = o.cwd;
  if (o.apparmor) p.apparmorProfile = o.apparmor;
  if (o.processLabel) p.selinuxLabel = o.processLabel;
  if (o.caps?.length) {
    p.capabilities ??= {};
    for (const set of ['bounding', 'effective', 'permitted', 'inheritable', 'ambient'] as const) {
      p.capabilities[set] = [...new Set([...(p.capabilities[set] ?? []), ...o.caps])];
    }
  }
  p.env = [...(p.env ?? []), ...(o.env ?? [])];
  p.terminal = o.tty ?? false;
  if (p.terminal && o.consoleSize) p.consoleSize = o.consoleSize;
  if (!p.terminal) delete p.consoleSize;
  if (o.noNewPrivs !== undefined) p.noNewPrivileges = o.noNewPrivs;
  if (o.user) {
    const u = parseUser(id, o.user);
    p.user = { ...p.user, uid: u.uid, gid: u.gid ?? p.user.gid };
    // A different user does not inherit the container user's supplementary groups.
    delete p.user.additionalGids;
  }
  if (o.additionalGids?.length) p.user = { ...p.user, additionalGids: [...(p.user.additionalGids ?? []), ...o.additionalGids] };
  return p;
}

/** Flags that still apply on top of a process.json (the rest is the file's to say). */
export function applyToProcessJson(p: Process, o: ExecOverrides): Process {
  const out = structuredClone(p);
  if (o.tty !== undefined) out.terminal = o.tty;
  if (o.env?.length) out.env = [...(out.env ?? []), ...o.env];
  if (o.cwd) out.cwd = o.cwd;
  if (o.noNewPrivs !== undefined) out.noNewPrivileges = o.noNewPrivs;
  if (o.apparmor) out.apparmorProfile = o.apparmor;
  if (o.processLabel) out.selinuxLabel = o.processLabel;
  return out;
}
