// config.json + host facts → the helper's step list (see docs/plan-format.md). Pure: the only
// looks at the filesystem go through functions in the context (bind sources, the container's
// /etc/passwd), so tests can plan any config without root and without touching the host.
//
// Step order follows runc's init: namespaces, root propagation, rootfs bind, mounts, /dev, hooks,
// pivot, console, read-only root, sysctls, read-only/masked paths, process attributes, then the
// identity change (bounding set, ids, capabilities) and finally exec. See the comments inline
// for the places where the order is a security or correctness requirement.
import { lstatSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Hook, IdMapping, Namespace, Spec } from '../oci/index.ts';
import { DEFAULT_PATH_ENV } from '../oci/env.ts';
import type { HostFacts } from './host.ts';
import type { CgroupPlan, HookSpec, IdMap, NsName, RuntimePlan, Step } from './plan.ts';
import { checkSysctls, checkUnsupported } from './planner/checks.ts';
import { deviceSteps, devSymlinkSteps } from './planner/devices.ts';
import { PlanError } from './planner/errors.ts';
import type { PlanProblem } from './planner/errors.ts';
import { processSteps } from './planner/process-steps.ts';
import { MS, propagationFlags } from './planner/mount-options.ts';
import { cleanPath, isBindMount, mountSteps } from './planner/mounts.ts';
import type { SourceKind } from './planner/mounts.ts';

export { PlanError } from './planner/errors.ts';
export type { PlanProblem } from './planner/errors.ts';
export { renderPlan } from './planner/render.ts';
export type { SourceKind } from './planner/mounts.ts';

export interface PlanContext {
  id: string;
  /** Absolute bundle directory (relative bind sources are resolved against it). */
  bundle: string;
  /** Absolute root filesystem directory. */
  rootfs: string;
  stateDir: string;
  /** The exec fifo the init opens and `start` writes to. */
  execFifo: string;
  consoleSocket?: string;
  noPivot?: boolean;
  /** --no-new-keyring: keep the runtime's session keyring instead of a new `_ses.<id>` one. */
  noNewKeyring?: boolean;
  preserveFds: number;
  /** The compiled filter for linux.seccomp (the planner only places it). */
  seccompFilter?: { flags: number; filter: Buffer };
  /** The cgroup plan (the planner records it and uses its directories for cgroup binds). */
  cgroup?: CgroupPlan | null;
  /** What a bind source is; default: stat(2) on the host. */
  statSource?: (path: string) => SourceKind;
  /** The home directory of a container uid, for HOME when env lacks it; default: the rootfs's
   * /etc/passwd (read only if neither /etc nor the file is a symlink). */
  lookupHome?: (uid: number) => string | undefined;
}

export function statSourceOnHost(path: string): SourceKind {
  try {
    return statSync(path).isDirectory() ? 'dir' : 'file';
  } catch {
    return 'missing';
  }
}

/** Home of `uid` from `<rootfs>/etc/passwd`. Symlinks are not followed: they would resolve
 * against the host's root, not the container's. */
export function homeFromPasswd(rootfs: string, uid: number): string | undefined {
  try {
    if (lstatSync(join(rootfs, 'etc')).isSymbolicLink()) return undefined;
    const file = join(rootfs, 'etc/passwd');
    if (!lstatSync(file).isFile()) return undefined;
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const f = line.split(':');
      if (f.length >= 7 && f[2] === String(uid) && f[5].startsWith('/')) return f[5];
    }
  } catch { /* no passwd: HOME=/ */ }
  return undefined;
}

const MAPPED_NS_ORDER: NsName[] = ['user', 'ipc', 'uts', 'network', 'pid', 'cgroup', 'time', 'mount'];
const PERSONALITY = { LINUX: 0x0000, LINUX32: 0x0008 } as const;
const SPEC_NS: Record<string, NsName> = {
  pid: 'pid', network: 'network', mount: 'mount', ipc: 'ipc', uts: 'uts', user: 'user', cgroup: 'cgroup', time: 'time',
};

function hookSpec(h: Hook): HookSpec {
  return { path: h.path, args: h.args ?? [h.path], env: h.env ?? [], timeout: h.timeout ?? 0 };
}

function hookStep(h: Hook): Step {
  return { op: 'hook', path: h.path, args: h.args ?? [h.path], env: h.env ?? [], timeout: h.timeout ?? 0 };
}

function mapped(maps: IdMap[], id: number): boolean {
  return maps.some((m) => id >= m.containerID && id < m.containerID + m.size);
}

function idMaps(list: IdMapping[] | undefined): IdMap[] {
  return (list ?? []).map((m) => ({ containerID: m.containerID, hostID: m.hostID, size: m.size }));
}

/** The PATH the helper searches: the environment's first PATH=, else the default execvp uses. */
export function searchPath(env: string[]): string {
  const p = env.find((e) => e.startsWith('PATH='));
  return (p ?? DEFAULT_PATH_ENV).slice(5);
}

/** The plan for `create`. Throws PlanError listing everything that cannot be honoured. */
export function planCreate(spec: Spec, ctx: PlanContext, host: HostFacts): RuntimePlan {
  const problems: PlanProblem[] = [];
  const proc = spec.process!;
  const linux = spec.linux ?? {};
  const statSource = ctx.statSource ?? statSourceOnHost;

  // ── namespaces ──
  const ns = new Map<string, Namespace>();
  for (const [i, n] of (linux.namespaces ?? []).entries()) {
    ns.set(n.type, n);
    if (!host.namespaces.includes(SPEC_NS[n.type])) {
      problems.push({ path: `linux.namespaces[${i}].type`, message: `the kernel has no ${n.type} namespace` });
    }
  }
  const isNew = (t: string) => ns.has(t) && !ns.get(t)!.path;
  const newUser = isNew('user');
  // The filesystem is only built in a new mount namespace. A joined one (path) is used as it is:
  // its root is the container's root, and nothing is mounted into it (that would change the
  // namespace for whoever else lives there). Without a mount namespace the runtime's is
  // inherited, as the spec requires; the process is chroot'ed into the rootfs (runc's choice)
  // but nothing is mounted, since mounts there would be the host's.
  const mountNs = ns.get('mount');
  const fs: 'new' | 'joined' | 'inherited' = !mountNs ? 'inherited' : mountNs.path ? 'joined' : 'new';

  // ── id mappings ──
  const uidMappings = newUser ? idMaps(linux.uidMappings) : [];
  const gidMappings = newUser ? idMaps(linux.gidMappings) : [];
  if (newUser) {
    if (!uidMappings.length) problems.push({ path: 'linux.uidMappings', message: 'required with a new user namespace' });
    if (!gidMappings.length) problems.push({ path: 'linux.gidMappings', message: 'required with a new user namespace' });
  } else if (!ns.has('user') && (linux.uidMappings?.length || linux.gidMappings?.length)) {
    problems.push({ path: 'linux.uidMappings', message: 'id mappings need a user namespace in linux.namespaces' });
  }
  // An unprivileged runtime may itself only write a single-line map of its own ids (and must deny
  // setgroups first). Anything more goes through newuidmap/newgidmap, which check the caller's
  // subordinate ranges; setgroups is then left as they leave it (allowed), as runc does.
  const own = (maps: IdMap[], id: number) => maps.length === 1 && maps[0].hostID === id && maps[0].size === 1;
  const ownOnly = own(uidMappings, host.uid) && own(gidMappings, host.gid);
  const idMapper: 'write' | 'newidmap' = !host.root && newUser && !ownOnly && host.idMapHelpers ? 'newidmap' : 'write';
  const setgroups: 'allow' | 'deny' | undefined = !newUser ? undefined : host.root ? 'allow' : idMapper === 'newidmap' ? undefined : 'deny';
  if (!host.root) {
    if (!newUser) problems.push({ path: 'linux.namespaces', message: `a rootless container (uid ${host.uid}) needs a new user namespace` });
    else if (idMapper === 'write') {
      if (uidMappings.length && !own(uidMappings, host.uid)) problems.push({ path: 'linux.uidMappings', message: `without root only the caller's own uid can be mapped (one entry, hostID ${host.uid}, size 1)` });
      if (gidMappings.length && !own(gidMappings, host.gid)) problems.push({ path: 'linux.gidMappings', message: `without root only the caller's own gid can be mapped (one entry, hostID ${host.gid}, size 1)` });
    }
  }
  if (newUser && uidMappings.length && gidMappings.length) {
    if (!mapped(uidMappings, 0) || !mapped(gidMappings, 0)) problems.push({ path: 'linux.uidMappings', message: 'container uid and gid 0 must be mapped (the init becomes root in the new user namespace)' });
    if (!mapped(uidMappings, proc.user.uid)) problems.push({ path: 'process.user.uid', message: `${proc.user.uid} is not mapped by linux.uidMappings` });
    if (!mapped(gidMappings, proc.user.gid)) problems.push({ path: 'process.user.gid', message: `${proc.user.gid} is not mapped by linux.gidMappings` });
    for (const [i, g] of (proc.user.additionalGids ?? []).entries()) {
      if (!mapped(gidMappings, g)) problems.push({ path: `process.user.additionalGids[${i}]`, message: `${g} is not mapped by linux.gidMappings` });
    }
  }
  const setgroupsDenied = setgroups === 'deny' || (!newUser && !!host.setgroupsDenied);
  if (setgroupsDenied && proc.user.additionalGids?.length) {
    problems.push({ path: 'process.user.additionalGids', message: 'supplementary groups cannot be set when setgroups is denied (rootless user namespace)' });
  }

  // ── other refusals ──
  if (spec.hostname && !ns.has('uts')) problems.push({ path: 'hostname', message: 'cannot set the hostname without a UTS namespace' });
  if (spec.domainname && !ns.has('uts')) problems.push({ path: 'domainname', message: 'cannot set the domain name without a UTS namespace' });
  const offsets = linux.timeOffsets ?? {};
  if ((offsets.monotonic || offsets.boottime) && !isNew('time')) {
    problems.push({ path: 'linux.timeOffsets', message: 'time offsets need a new time namespace in linux.namespaces' });
  }
  if (proc.terminal && !ctx.consoleSocket) problems.push({ path: 'process.terminal', message: 'a terminal needs --console-socket' });
  if (!proc.terminal && ctx.consoleSocket) problems.push({ path: 'process.terminal', message: '--console-socket given but process.terminal is false' });
  if (linux.seccomp && !ctx.seccompFilter) problems.push({ path: 'linux.seccomp', message: 'no compiled filter was supplied' });
  checkSysctls(linux.sysctl, ns, problems);
  checkUnsupported(spec, host, problems);

  const steps: Step[] = [];
  // ── stage 0: host files first when a mount namespace is joined (its paths are not ours) ──
  if (fs === 'joined') {
    steps.push({ op: 'exec-fifo-early', path: ctx.execFifo });
    if (proc.terminal && ctx.consoleSocket) steps.push({ op: 'console-dial', socket: ctx.consoleSocket });
  }
  // ── stage 0: join namespaces (user first: it decides the privileges for the others), time ──
  const joined = MAPPED_NS_ORDER.flatMap((t) => {
    const n = ns.get(t);
    return n?.path ? [{ op: 'setns' as const, path: n.path, ns: SPEC_NS[t] }] : [];
  });
  steps.push(...joined);
  // CLONE_NEWTIME cannot be passed to clone(); unsharing in stage 0 puts the child in it, and
  // offsets can only be written before any process lives in the namespace.
  if (isNew('time')) {
    steps.push({ op: 'unshare-time' });
    for (const clock of ['monotonic', 'boottime'] as const) {
      const o = offsets[clock];
      if (o) steps.push({ op: 'timens-offset', clock, secs: BigInt(o.secs ?? 0), nanosecs: BigInt(o.nanosecs ?? 0) });
    }
  }
  // The cgroup namespace is unshared by the init after the runtime has moved it into its cgroup,
  // so that the namespace's root is the container's cgroup.
  const cloneNs = MAPPED_NS_ORDER.filter((t) => t !== 'cgroup' && t !== 'time' && isNew(t));
  steps.push({ op: 'clone', namespaces: cloneNs });

  // ── init ──
  if (isNew('cgroup')) steps.push({ op: 'unshare', namespaces: ['cgroup'] });
  // Host files the init must open: while it still has the runtime's kernel uid (become-root
  // changes it to the uid mapped to container root, which may not reach the runtime's state dir
  // or the caller's console socket).
  if (fs !== 'joined') {
    steps.push({ op: 'exec-fifo', path: ctx.execFifo });
    if (proc.terminal && ctx.consoleSocket) steps.push({ op: 'console-connect', socket: ctx.consoleSocket });
  }
  if (newUser) steps.push({ op: 'become-root' });
  // After become-root, so that the keyring belongs to the container's root; inherited by exec.
  if (!ctx.noNewKeyring) steps.push({ op: 'session-keyring', name: `_ses.${ctx.id}` });
  if (spec.hostname) steps.push({ op: 'sethostname', name: spec.hostname });
  if (spec.domainname) steps.push({ op: 'setdomainname', name: spec.domainname });

  // Nothing mounted from here on may propagate back to the host: slave by default.
  const rootProp = linux.rootfsPropagation ? propagationFlags(linux.rootfsPropagation)! : MS.REC | MS.SLAVE;
  if (fs === 'new') {
    // An unbindable root could not be bound to make the rootfs: it becomes unbindable after the
    // pivot (the `propagate` below) and stays private until then.
    const before = rootProp & MS.UNBINDABLE ? MS.REC | MS.PRIVATE : rootProp;
    steps.push({ op: 'root-propagation', flags: before });
    // pivot_root refuses a shared new root or parent (EINVAL). After a recursive slave or private
    // change nothing is shared; otherwise (shared, or a change of / alone while the rootfs is a
    // mount of its own, as the engine's overlay) the mount holding the rootfs is made private.
    if (before & MS.SHARED || !(before & MS.REC)) steps.push({ op: 'rootfs-parent-private', path: ctx.rootfs });
    steps.push({ op: 'bind-rootfs', path: ctx.rootfs });

    const userns = ns.has('user') || host.inUserNamespace;
    const mctx = { bundle: ctx.bundle, host, cgroupns: ns.has('cgroup'), userns, cgroup: ctx.cgroup ?? null, statSource };
    const mounts = spec.mounts ?? [];
    for (const [i, m] of mounts.entries()) steps.push(...mountSteps(m, i, mctx, problems));

    // A /dev bound from the host already has its nodes.
    const setupDev = !mounts.some((m) => isBindMount(m) && cleanPath(m.destination) === '/dev');
    if (setupDev) {
      steps.push(...deviceSteps(linux.devices, userns));
      steps.push(...devSymlinkSteps(host.kcore));
    }
  }

  const hooks = spec.hooks ?? {};
  if (hooks.prestart?.length || hooks.createRuntime?.length) steps.push({ op: 'sync', name: 'hooks' });
  for (const h of hooks.createContainer ?? []) steps.push(hookStep(h));

  if (fs === 'new') {
    steps.push(ctx.noPivot ? { op: 'chroot-move' } : { op: 'pivot-root' });
    // A shared root can only be made shared once it is the root.
    if (linux.rootfsPropagation) steps.push({ op: 'propagate', target: '/', flags: rootProp });
  } else if (fs === 'inherited') {
    steps.push({ op: 'chroot', path: ctx.rootfs });
  }

  // The console comes before the root goes read-only: it creates /dev/console. Outside a new
  // mount namespace nothing is bound over /dev/console (console-pty).
  const size = { rows: proc.consoleSize?.height ?? 0, cols: proc.consoleSize?.width ?? 0 };
  if (proc.terminal) steps.push(fs === 'new' ? { op: 'console-setup', ...size } : { op: 'console-pty', ...size });
  else steps.push({ op: 'setsid' });
  if (spec.root?.readonly && fs === 'new') steps.push({ op: 'remount', target: '/', flags: MS.RDONLY });
  // sysctls before readonlyPaths, which usually include /proc/sys.
  for (const [key, value] of Object.entries(linux.sysctl ?? {})) steps.push({ op: 'sysctl', key, value });
  if (fs === 'new') {
    for (const p of linux.readonlyPaths ?? []) steps.push({ op: 'readonly', target: cleanPath(p) });
    for (const p of linux.maskedPaths ?? []) steps.push({ op: 'mask', target: cleanPath(p) });
  }

  steps.push(...processSteps(proc, {
    personality: linux.personality ? PERSONALITY[linux.personality.domain] : undefined,
    preserveFds: ctx.preserveFds,
    seccompFilter: ctx.seccompFilter,
    capLastCap: host.capLastCap,
    setgroupsDenied,
    capBounding: host.capBounding,
  }, problems));

  const env = [...(proc.env ?? [])];
  if (!env.some((e) => e.startsWith('HOME='))) {
    const home = (ctx.lookupHome ?? ((uid: number) => homeFromPasswd(ctx.rootfs, uid)))(proc.user.uid);
    env.push(`HOME=${home ?? '/'}`);
  }
  // As runc: a missing or non-executable program fails `create`, not `start`. Looked up as the
  // container's user, in its root and cwd, with the PATH of its environment.
  // Not in a joined mount namespace: its content is shared with others and may change before
  // `start`, so a create-time look proves nothing; exec reports a missing program then.
  if (fs !== 'joined') steps.push({ op: 'find-exec', path: proc.args[0], searchPath: searchPath(env) });
  steps.push({ op: 'report', name: 'created' });
  steps.push({ op: 'wait-start' });
  for (const h of hooks.startContainer ?? []) steps.push(hookStep(h));
  // With no_new_privs the filter goes last, so it does not have to allow the runtime's own calls.
  if (ctx.seccompFilter && proc.noNewPrivileges) steps.push({ op: 'seccomp', ...ctx.seccompFilter });

  steps.push({ op: 'exec', path: proc.args[0], args: [...proc.args], env });

  if (problems.length) throw new PlanError(ctx.id, problems);
  return {
    id: ctx.id,
    bundle: ctx.bundle,
    steps,
    uidMappings,
    gidMappings,
    ...(setgroups ? { setgroups } : {}),
    ...(newUser ? { idMapper } : {}),
    cgroup: ctx.cgroup ?? null,
    hooks: {
      prestart: (hooks.prestart ?? []).map(hookSpec),
      createRuntime: (hooks.createRuntime ?? []).map(hookSpec),
      poststart: (hooks.poststart ?? []).map(hookSpec),
      poststop: (hooks.poststop ?? []).map(hookSpec),
    },
    preserveFds: ctx.preserveFds,
  };
}
