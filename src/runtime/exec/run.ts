// The effects half of `exec`: read the container's record, decide the process, plan it, start
// the helper, put the child into the container's cgroup while it waits for "go", and report
// once it has exec'd (the channel closes on exec) or the step that failed.
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { signalExitCode } from '../signals.ts';
import { join, resolve } from 'node:path';
import { parseSpec } from '../../oci/index.ts';
import type { Process, Spec } from '../../oci/index.ts';
import type { NsName, Step } from '../plan.ts';
import { containerDir, deriveStatus, procStat, readRecord, writeFileAtomic, type ContainerRecord } from '../state.ts';
import { InvalidStateError } from '../errors.ts';
import { HelperClosedError, HelperError, startHelper, type HelperSession, type StartHelperHow, type StdioSlot } from '../helper.ts';
import { homeFromPasswd } from '../planner.ts';
import { parseCapBounding } from '../host.ts';
import { ExecError, ExecProgramError } from './errors.ts';
import { callerTtySize, startTtyRelay, type TtyRelay } from '../tty-relay.ts';
import { planExec, type NsJoin } from './plan.ts';
import { applyToProcessJson, parseProcessJson, processFromFlags, type ExecOverrides } from './process.ts';

export interface ExecOptions extends ExecOverrides {
  root: string;
  id: string;
  /** --process FILE ("-": stdin is not supported, the container owns it). */
  processFile?: string;
  consoleSocket?: string;
  detach?: boolean;
  pidFile?: string;
  preserveFds?: number;
  ignorePaused?: boolean;
  /** The process's fds 0-2 (default: ours). */
  stdio?: [StdioSlot, StdioSlot, StdioSlot];
  /** Starts the helper (default: spawn build/berth-init); berthd hands in the one
   * berth-runtime-client starts in its caller's process tree. */
  startHelper?: (steps: Step[], how: StartHelperHow) => HelperSession;
  /** The caller's signals reach the helper's stage 0 without us (berth-runtime-client): no
   * handlers here. */
  signalsForwarded?: boolean;
}

/** proc/<pid>/ns entry → the helper's namespace name. */
const NS_FILES: [string, NsName][] = [
  ['user', 'user'], ['ipc', 'ipc'], ['uts', 'uts'], ['net', 'network'], ['pid', 'pid'], ['cgroup', 'cgroup'], ['time', 'time'], ['mnt', 'mount'],
];

/** The namespaces of `pid` that are not ours: those are the ones to join. */
export function namespacesToJoin(pid: number): NsJoin[] {
  const out: NsJoin[] = [];
  for (const [file, ns] of NS_FILES) {
    const theirs = `/proc/${pid}/ns/${file}`;
    let a, b;
    try { a = statSync(theirs); } catch { continue; }
    try { b = statSync(`/proc/self/ns/${file}`); } catch { b = undefined; }
    if (!b || a.ino !== b.ino || a.dev !== b.dev) out.push({ ns, path: theirs });
  }
  return out;
}

/** The container's config as it was at create (a copy in the state dir), else the bundle's. */
export function containerSpec(root: string, rec: ContainerRecord): Spec {
  const saved = join(containerDir(root, rec.id), 'config.json');
  const file = existsSync(saved) ? saved : join(rec.bundle, 'config.json');
  return parseSpec(readFileSync(file, 'utf8'), file);
}

function readOr(path: string, dflt: string): string {
  try { return readFileSync(path, 'utf8'); } catch { return dflt; }
}

export interface Prepared { record: ContainerRecord; process: Process; steps: Step[] }

/** Everything up to the plan; no side effects. */
export async function prepareExec(o: ExecOptions): Promise<Prepared> {
  const record = readRecord(o.root, o.id);
  const status = deriveStatus(o.root, record);
  if (status === 'stopped') throw new InvalidStateError(o.id, status, 'cannot exec in a stopped container');
  if (status === 'paused' && !o.ignorePaused) throw new InvalidStateError(o.id, status, 'cannot exec in a paused container (use --ignore-paused to override)');
  const spec = containerSpec(o.root, record);
  let proc: Process;
  if (o.processFile) {
    const file = resolve(o.processFile);
    proc = applyToProcessJson(parseProcessJson(o.id, readFileSync(file, 'utf8'), file), o);
  } else {
    proc = processFromFlags(o.id, spec.process!, o);
  }
  let seccompFilter: { flags: number; filter: Buffer } | undefined;
  if (spec.linux?.seccomp) {
    const { compileSeccompCached } = await import('../seccomp/index.ts');
    seccompFilter = compileSeccompCached(spec.linux.seccomp as Parameters<typeof compileSeccompCached>[0], { nativeArch: process.arch }, `${o.root}/.seccomp-cache`);
  }
  const steps = planExec(proc, {
    id: o.id,
    join: namespacesToJoin(record.pid),
    capLastCap: Number(readOr('/proc/sys/kernel/cap_last_cap', '40').trim()) || 40,
    consoleSocket: o.consoleSocket ? resolve(o.consoleSocket) : undefined,
    preserveFds: o.preserveFds ?? 0,
    seccompFilter,
    capBounding: parseCapBounding(readOr('/proc/self/status', '')),
    setgroupsDenied: readOr(`/proc/${record.pid}/setgroups`, 'allow').trim() === 'deny',
    home: homeFromPasswd(record.rootfs, proc.user?.uid ?? 0),
    apparmor: readOr('/sys/module/apparmor/parameters/enabled', 'N').trim() === 'Y',
    selinux: existsSync('/sys/fs/selinux/enforce'),
  });
  return { record, process: proc, steps };
}

/** Whether the process will have a terminal: --tty, else what a --process file says. */
export function wantsTerminal(o: Pick<ExecOptions, 'tty' | 'processFile'>): boolean {
  if (o.tty !== undefined) return o.tty;
  if (!o.processFile) return false;
  try { return (JSON.parse(readFileSync(resolve(o.processFile), 'utf8')) as { terminal?: boolean }).terminal === true; } catch { return false; }
}

function toExecError(id: string, e: unknown): Error {
  if (e instanceof HelperError && e.op === 'find-exec') {
    return new ExecProgramError(id, e.reason, e.code === 'ENOENT', e.index, { cause: e });
  }
  if (e instanceof HelperError) return new ExecError(id, e.reason, e.index, e.op, { cause: e });
  return e as Error;
}

/** Runs the process. Detached: resolves 0 once it has exec'd. Else: resolves with its exit code. */
export async function execProcess(o: ExecOptions): Promise<number> {
  if (o.tty && o.detach && !o.consoleSocket) {
    throw new ExecError(o.id, 'cannot allocate a tty for a detached exec without --console-socket');
  }
  let relay: TtyRelay | undefined;
  if (!o.consoleSocket && !o.detach && wantsTerminal(o)) relay = await startTtyRelay();
  let prepared: Prepared;
  try {
    prepared = await prepareExec(relay ? { ...o, consoleSocket: relay.socket, consoleSize: o.consoleSize ?? callerTtySize() } : o);
  } catch (e) {
    relay?.abort();
    throw e;
  }
  const { record, steps } = prepared;
  let session: HelperSession | undefined;
  let pid = 0;
  try {
    const how = { wait: !o.detach, preserveFds: o.preserveFds ?? 0 };
    session = o.startHelper ? o.startHelper(steps, how) : startHelper(steps, { ...how, stdio: o.stdio ?? ['inherit', 'inherit', 'inherit'] });
    try {
      pid = await session.pid();
      for (const d of record.cgroupDirs) writeFileSync(join(d, 'cgroup.procs'), String(pid));
      session.send(['go']);
      const rec = await session.next();
      if (rec[0] === 'error') throw HelperError.fromRecord(rec);
      throw new ExecError(o.id, `unexpected message from the helper: ${JSON.stringify(rec)}`);
    } catch (e) {
      // The channel closes when the process execs: that is success.
      if (!(e instanceof HelperClosedError)) throw e;
    }
    if (o.pidFile) writeFileAtomic(resolve(o.pidFile), String(pid));
  } catch (e) {
    try { session?.send(['abort']); } catch { /* closed */ }
    const st = pid > 0 ? procStat(pid) : null;
    if (st && st.state !== 'Z') { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
    session?.close();
    relay?.abort();
    throw toExecError(o.id, e);
  }
  if (o.detach) {
    session.close();
    return 0;
  }
  const forward = o.signalsForwarded ? [] : ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH'] as const;
  const handlers = forward.map((sig) => {
    const h = () => { try { process.kill(pid, sig); } catch { /* gone */ } };
    process.on(sig, h);
    return [sig, h] as const;
  });
  try {
    const { code, signal } = await session.exited;
    // The relay ends when the pty hangs up (the last slave closed with the process).
    await relay?.finish();
    return code ?? (signal ? signalExitCode(signal) : 1);
  } finally {
    relay?.abort();
    for (const [sig, h] of handlers) process.off(sig, h);
    session.close();
  }
}
