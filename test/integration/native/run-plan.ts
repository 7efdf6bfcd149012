// Shared by the native helper's integration tests: build the binaries, run a hand-written plan
// through helper.ts, collect the container's output and the helper's records.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HelperClosedError, startHelper, type HelperExit, type HelperSession, type SpawnedHelper } from '../../../src/runtime/helper.ts';
import type { Step } from '../../../src/runtime/plan.ts';

export const TOP = fileURLToPath(new URL('../../../', import.meta.url));
export const BUILD = join(TOP, 'build');
export const RECVTTY = join(BUILD, 'berth-recvtty');

export function buildNative(): void {
  execFileSync('make', ['-s', '-C', join(TOP, 'native'), `OUT=${BUILD}`], { stdio: 'inherit' });
}

/** MS_REC|MS_SLAVE: every plan here starts with it so nothing propagates back to the host. */
export const REC_SLAVE = 0x4000 | 0x80000;
export const MS_RDONLY = 1, MS_NOSUID = 2, MS_NODEV = 4, MS_NOEXEC = 8, MS_BIND = 0x1000, MS_REC = 0x4000;

/** The usual beginning: namespaces, a private view of the mounts, the rootfs and /proc. */
export function baseSteps(rootfs: string, namespaces: Step & { op: 'clone' } = { op: 'clone', namespaces: ['mount', 'pid', 'uts', 'ipc', 'network'] }): Step[] {
  return [
    namespaces,
    { op: 'root-propagation', flags: REC_SLAVE },
    { op: 'bind-rootfs', path: rootfs },
    { op: 'mount', source: 'proc', target: '/proc', fstype: 'proc', flags: MS_NOSUID | MS_NODEV | MS_NOEXEC, data: '', create: 'dir' },
  ];
}

export function sh(script: string, env: string[] = ['PATH=/bin']): Step {
  return { op: 'exec', path: 'sh', args: ['sh', '-c', script], env };
}

export interface PlanResult {
  stdout: string;
  stderr: string;
  exit: HelperExit;
  /** Records after "pid" (sync/report/error), in order. */
  records: string[][];
  pid: number | undefined;
  /** Why pid() rejected (a stage-0 step failed). */
  pidError: Error | undefined;
}

/** Test cleanup: SIGKILL the init (in its own pid namespace a stage-0 kill or SIGTERM would not
 * reach it, and a blocked init holds the test's stdio pipes open) and the stage-0 process. */
export function stopHelper(s: SpawnedHelper): void {
  const pid = s.initPid;
  if (pid) {
    try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
  }
  s.child.kill('SIGKILL');
  s.close();
}

/** Runs steps with --wait: sends go, answers every sync with go, collects everything. */
export async function runPlan(steps: Step[], opts: { timeoutMs?: number; onRecord?: (rec: string[], s: HelperSession) => void } = {}): Promise<PlanResult> {
  const s = startHelper(steps, { wait: true, stdio: ['ignore', 'pipe', 'pipe'], preserveFds: 0 });
  let stdout = '', stderr = '';
  s.child.stdout!.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
  s.child.stderr!.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
  const outDone = Promise.all([
    new Promise((r) => s.child.stdout!.on('close', r)),
    new Promise((r) => s.child.stderr!.on('close', r)),
  ]);
  const records: string[][] = [];
  let pid: number | undefined;
  const timer = setTimeout(() => stopHelper(s), opts.timeoutMs ?? 10_000);
  let pidError: Error | undefined;
  try {
    pid = await s.pid();
    s.send(['go']);
    for (;;) {
      const rec = await s.next();
      records.push(rec);
      opts.onRecord?.(rec, s);
      if (rec[0] === 'sync') s.send(['go']);
    }
  } catch (e) {
    if (pid === undefined) pidError = e as Error;
    else if (!(e instanceof HelperClosedError)) {
      stopHelper(s);
      throw e;
    }
  } finally {
    s.close();
  }
  const exit = await s.exited;
  await outDone;
  clearTimeout(timer);
  return { stdout, stderr, exit, records, pid, pidError };
}

/** Lines of the host's mountinfo that mention path. */
export function hostMountsUnder(path: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(path));
}
