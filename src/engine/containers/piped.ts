// A container's processes for a daemon's callers (the CRI's ExecSync, Exec and Attach), with
// pipes for stdio instead of the caller's own streams: a foreground exec through the runtime's
// binary (its --pid-file names the process in the container, so that a timeout or a dropped
// client ends that process too), and an attach through build/berth-attach on conmon's socket
// (Node cannot open its SOCK_SEQPACKET socket). Also the log reopen kubelet's rotation asks for.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, constants, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from '../../util/random.ts';
import { nativeToolPath } from '../../util/native-tools.ts';
import type { Spec } from '../../oci/index.ts';
import type { EngineCore } from '../core.ts';
import { ContainerStateError } from '../errors.ts';
import { execProcessSpec, type ExecRequest } from './exec.ts';
import { spawnExecTty, type PipedProcess } from './exec-tty.ts';

/** The helper process of an exec or attach, with a way to end what it runs and to size its
 * terminal. */
export type ExecChild = PipedProcess;
type Spawned = ChildProcess & PipedProcess;

export function spawnExec(core: EngineCore, ref: string, req: ExecRequest): ExecChild {
  // A terminal goes through our relay, whose window size can be set (exec-tty.ts).
  if (req.tty) return spawnExecTty(core, ref, req);
  return spawnExecPiped(core, ref, req);
}

function spawnExecPiped(core: EngineCore, ref: string, req: ExecRequest): Spawned {
  const rec = core.get(ref);
  if (rec.state.status !== 'running') throw new ContainerStateError(`Container ${rec.id} is not running`);
  if (rec.state.paused) throw new ContainerStateError(`Container ${rec.id} is paused, unpause the container before exec`);
  const dir = core.dir(rec.id);
  const spec = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Spec;
  const sdir = join(dir, 'exec', randomBytes(16).toString('hex'));
  mkdirSync(sdir, { recursive: true });
  const specPath = join(sdir, 'process.json');
  writeFileSync(specPath, JSON.stringify(execProcessSpec(spec.process!, join(dir, 'rootfs'), req)));
  const pidFile = join(sdir, 'pid');
  const args = ['--root', core.paths.runtimeRoot, 'exec', '--process', specPath, '--pid-file', pidFile, ...(req.tty ? ['--tty'] : []), rec.id];
  const child = spawn(rec.config.runtime, args, { stdio: ['pipe', 'pipe', 'pipe'] }) as Spawned;
  child.resize = () => { /* no terminal */ };
  child.killProcess = () => {
    // The process in the container first (the runtime's foreground exec cannot pass SIGKILL on).
    try { process.kill(Number(readFileSync(pidFile, 'utf8').trim()), 'SIGKILL'); } catch { /* not started, or gone */ }
    child.kill('SIGKILL');
  };
  child.once('close', () => rmSync(sdir, { recursive: true, force: true }));
  return child;
}

export interface CapturedExec { exitCode: number; stdout: Buffer; stderr: Buffer; timedOut: boolean }

/** Runs a command to its end (or past `timeoutMs`: then it is killed), collecting its output. */
export function execCapture(core: EngineCore, ref: string, req: ExecRequest, timeoutMs = 0): Promise<CapturedExec> {
  const child = spawnExecPiped(core, ref, req);
  child.stdin!.end();
  const out: Buffer[] = [], err: Buffer[] = [];
  child.stdout!.on('data', (d: Buffer) => out.push(d));
  child.stderr!.on('data', (d: Buffer) => err.push(d));
  let timedOut = false;
  const timer = timeoutMs > 0 ? setTimeout(() => { timedOut = true; child.killProcess(); }, timeoutMs) : undefined;
  return new Promise((resolve) => {
    child.on('error', (e) => { err.push(Buffer.from(e.message)); });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      const exitCode = code ?? (signal ? 128 + (({ SIGKILL: 9, SIGTERM: 15, SIGINT: 2 } as Record<string, number>)[signal] ?? 0) : 1);
      resolve({ exitCode, stdout: Buffer.concat(out), stderr: Buffer.concat(err), timedOut });
    });
  });
}

/** Attaches to the container's own stdio; closing the child's stdin closes the container's. */
export function spawnAttach(core: EngineCore, ref: string, opts: { stdin: boolean; tty: boolean }): ExecChild {
  const rec = core.get(ref);
  if (rec.state.status !== 'running') throw new ContainerStateError(`container ${rec.id} is not running`);
  if (opts.stdin && !rec.config.openStdin) throw new ContainerStateError(`container ${rec.id} was not created with stdin open: nothing to attach stdin to`);
  const sock = join(core.paths.sockets, rec.id.slice(0, 16), 'attach');
  const args = [...(opts.stdin ? ['--stdin'] : []), ...(opts.tty ? ['--tty', '--ctl', join(core.dir(rec.id), 'ctl')] : []), sock];
  const child = spawn(nativeToolPath('berth-attach', 'BERTH_ATTACH'), args, { stdio: ['pipe', 'pipe', 'pipe'] }) as Spawned;
  // Ending an attach ends the helper, never the container.
  child.killProcess = () => { child.kill('SIGKILL'); };
  // The container's own terminal: conmon's control FIFO ("1 ROWS COLS").
  child.resize = (height, width) => { if (opts.tty && height > 0 && width > 0) writeCtl(core, rec.id, `1 ${height} ${width}\n`); };
  return child;
}

/**
 * After the log file was rotated away (kubelet renames it, then asks through the CRI): conmon
 * reopens its log on message type 2 on the container's "ctl" FIFO ("<type> <h> <w>\n"; type 1 is
 * a resize). Waits (up to 5 s) until the new file is there: conmon reopens asynchronously.
 */
export async function reopenLog(core: EngineCore, ref: string): Promise<void> {
  const rec = core.get(ref);
  if (rec.state.status !== 'running') throw new ContainerStateError(`container ${rec.id} is not running`);
  writeCtl(core, rec.id, '2 0 0\n');
  const path = core.logPath(rec);
  for (const end = Date.now() + 5000; !existsSync(path); await new Promise((r) => setTimeout(r, 10))) {
    if (Date.now() > end) throw new ContainerStateError(`container ${rec.id}: its monitor did not reopen ${path}`);
  }
}

/** One message on conmon's control FIFO. */
function writeCtl(core: EngineCore, id: string, message: string): void {
  let fd: number;
  try {
    // Non-blocking: a FIFO with no reader (conmon gone) fails with ENXIO instead of hanging.
    fd = openSync(join(core.dir(id), 'ctl'), constants.O_WRONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw new ContainerStateError(`container ${id}: its monitor does not answer (${(e as Error).message})`);
  }
  try { writeSync(fd, message); } finally { closeSync(fd); }
}
