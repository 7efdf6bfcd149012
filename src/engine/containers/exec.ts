// docker exec: a process spec derived from the container's own (capabilities, seccomp-free
// process fields, env) with the user's overrides, run by the container's OCI runtime. In the
// foreground the CLI runs it through the runtime interface's exec (the runtime binary: stdio
// and the exit code pass straight through; the runtime relays a terminal for -t); with -d conmon --exec holds the process.
import { randomBytes } from '../../util/random.ts';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Process, Spec } from '../../oci/index.ts';
import { startConmon, exitCodeFor } from '../conmon.ts';
import { ContainerStateError } from '../errors.ts';
import type { EngineCore } from '../core.ts';
import { mergeEnv } from '../../oci/env.ts';
import { lookupUser } from '../users.ts';

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

/** Runs the exec; resolves with the exit code (foreground) or 0 once started (detach). */
export async function execInContainer(engine: EngineCore, ref: string, req: ExecRequest): Promise<number> {
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
