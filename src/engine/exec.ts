// docker exec: a process spec derived from the container's own (capabilities, seccomp-free
// process fields, env) with the user's overrides, run by the container's OCI runtime. In the
// foreground the CLI runs it through the runtime interface's exec (the runtime binary: stdio
// and the exit code pass straight through; the runtime relays a terminal for -t); with -d conmon --exec holds the process.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from '../util/random.ts';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Process, Spec } from '../oci/index.ts';
import { startConmon, exitCodeFor } from './conmon.ts';
import { ContainerStateError } from './errors.ts';
import type { Engine } from './engine.ts';
import { mergeEnv } from '../oci/env.ts';
import { lookupUser } from './users.ts';

export interface ExecRequest {
  cmd: string[];
  env?: string[];
  user?: string;
  workingDir?: string;
  tty?: boolean;
  interactive?: boolean;
  detach?: boolean;
  privileged?: boolean;
  consoleSize?: { height: number; width: number };
}

export function execProcessSpec(base: Process, rootfs: string, req: ExecRequest): Process {
  const read = (p: string) => { try { return readFileSync(join(rootfs, p), 'utf8'); } catch { return ''; } };
  const p: Process = JSON.parse(JSON.stringify(base)) as Process;
  p.args = [...req.cmd];
  p.env = mergeEnv(base.env ?? [], req.env ?? []);
  if (req.user !== undefined && req.user !== '') {
    const u = lookupUser(req.user, read('etc/passwd'), read('etc/group'));
    p.user = { uid: u.uid, gid: u.gid, ...(u.additionalGids.length ? { additionalGids: u.additionalGids } : {}) };
  }
  if (req.workingDir) p.cwd = req.workingDir;
  p.terminal = req.tty ?? false;
  if (req.tty && req.consoleSize) p.consoleSize = req.consoleSize; else delete p.consoleSize;
  delete p.oomScoreAdj;
  return p;
}

/** Writes the exec's process spec; returns what the runtime's `exec` needs. */
function prepareExec(engine: Engine, ref: string, req: ExecRequest): { runtime: string; root: string; id: string; specPath: string; sdir: string } {
  const rec = engine.get(ref);
  if (rec.state.status !== 'running') throw new ContainerStateError(`Container ${rec.id} is not running`);
  if (rec.state.paused) throw new ContainerStateError(`Container ${rec.id} is paused, unpause the container before exec`);
  const dir = engine.dir(rec.id);
  const spec = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Spec;
  const proc = execProcessSpec(spec.process!, join(dir, 'rootfs'), req);
  const sdir = join(dir, 'exec', randomBytes(16).toString('hex'));
  mkdirSync(sdir, { recursive: true });
  const specPath = join(sdir, 'process.json');
  writeFileSync(specPath, JSON.stringify(proc));
  return { runtime: rec.config.runtime, root: engine.paths.runtimeRoot, id: rec.id, specPath, sdir };
}

/** An exec whose stdio are pipes (for a daemon's callers: the CRI's ExecSync and streaming
 * exec). The caller owns the child; its session directory goes when it exits. */
export function spawnExec(engine: Engine, ref: string, req: ExecRequest): ExecChild {
  const x = prepareExec(engine, ref, req);
  const pidFile = join(x.sdir, 'pid');
  const args = ['--root', x.root, 'exec', '--process', x.specPath, '--pid-file', pidFile, ...(req.tty ? ['--tty'] : []), x.id];
  const child = spawn(x.runtime, args, { stdio: ['pipe', 'pipe', 'pipe'] }) as ExecChild;
  child.killProcess = () => {
    // The process in the container (the runtime's foreground exec cannot pass SIGKILL on), then
    // the runtime; what still holds the pipes open is then gone too.
    try { process.kill(Number(readFileSync(pidFile, 'utf8').trim()), 'SIGKILL'); } catch { /* not started, or gone */ }
    child.kill('SIGKILL');
  };
  child.once('close', () => rmSync(x.sdir, { recursive: true, force: true }));
  return child;
}

/** A foreground exec's runtime process, with a way to end the process it runs in the container. */
export interface ExecChild extends ChildProcess { killProcess(): void }

/** Runs a command to its end (or the timeout: then it is killed), collecting its output. */
export function execCapture(engine: Engine, ref: string, req: ExecRequest, timeoutMs = 0): Promise<{ exitCode: number; stdout: Buffer; stderr: Buffer; timedOut: boolean }> {
  const child = spawnExec(engine, ref, req);
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

/** Runs the exec; resolves with the exit code (foreground) or 0 once started (detach). */
export async function execInContainer(engine: Engine, ref: string, req: ExecRequest): Promise<number> {
  const rec = engine.get(ref);
  if (rec.state.status !== 'running') throw new ContainerStateError(`Container ${rec.id} is not running`);
  if (rec.state.paused) throw new ContainerStateError(`Container ${rec.id} is paused, unpause the container before exec`);
  const dir = engine.dir(rec.id);
  const spec = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Spec;
  const proc = execProcessSpec(spec.process!, join(dir, 'rootfs'), req);
  const sid = randomBytes(16).toString('hex');
  const sdir = join(dir, 'exec', sid);
  mkdirSync(sdir, { recursive: true });
  const specPath = join(sdir, 'process.json');
  writeFileSync(specPath, JSON.stringify(proc));
  const rt = rec.config.runtime, root = engine.paths.runtimeRoot;
  if (req.detach) {
    await startConmon({
      id: rec.id, cuuid: sid.slice(0, 16), name: rec.name, runtime: rt, runtimeRoot: root, bundle: sdir,
      pidFile: join(sdir, 'pid'), conmonPidFile: join(sdir, 'conmon.pid'), logPath: join(sdir, 'exec.log'),
      exitDir: sdir, socketDir: engine.paths.sockets, terminal: req.tty ?? false, stdin: false, execProcessSpec: specPath,
    });
    return 0;
  }
  let tail = '';
  const r = await engine.runtimeFor(rt).exec(rec.id, {
    processFile: specPath, tty: req.tty, stdin: req.interactive || req.tty ? 'inherit' : 'ignore',
    onStderr: (d) => { process.stderr.write(d); tail = (tail + d.toString()).slice(-4096); },
  });
  if (r.error) { process.stderr.write(`berth: exec: ${r.error}\n`); return r.code; }
  if (r.code !== 0 && /exec failed|starting container process caused|unable to start container process/i.test(tail)) {
    const mapped = exitCodeFor(tail);
    if (mapped !== 125) return mapped;
  }
  return r.code;
}
