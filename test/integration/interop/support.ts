// Shared pieces of the interop tests (podman, containerd driving berth-runtime): running a tool
// with its output in files, finding what a run left on the host, and removing it again.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

export interface Result { code: number | null; signal: string | null; stdout: string; stderr: string; ms: number }

/** The absolute path of a command on PATH, or undefined. */
export function which(cmd: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  const p = r.stdout.trim();
  return r.status === 0 && p.startsWith('/') ? p : undefined;
}

/** Runs a command to completion. Output goes through files, not pipes: a detached container's
 * monitor (conmon, the shim) may inherit them and keep a pipe open long after the tool exits. */
export async function run(cmd: string, args: string[], opts: { input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<Result> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-interop-out-'));
  const out = openSync(join(dir, 'out'), 'w+');
  const err = openSync(join(dir, 'err'), 'w+');
  const started = Date.now();
  try {
    const c = spawn(cmd, args, { stdio: [opts.input === undefined ? 'ignore' : 'pipe', out, err], env: opts.env ?? process.env });
    if (opts.input !== undefined) c.stdin!.end(opts.input);
    const timer = setTimeout(() => c.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    const [code, signal] = await new Promise<[number | null, string | null]>((res, rej) => {
      c.on('error', rej);
      c.on('exit', (code, signal) => res([code, signal]));
    });
    clearTimeout(timer);
    return { code, signal, stdout: readFileSync(join(dir, 'out'), 'utf8'), stderr: readFileSync(join(dir, 'err'), 'utf8'), ms: Date.now() - started };
  } finally {
    closeSync(out);
    closeSync(err);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Mount points at or below `dir`, deepest first (the order to unmount them in). */
export function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n')
    .map((l) => l.split(' ')[4])
    .filter((m): m is string => !!m && (m === dir || m.startsWith(`${dir}/`)))
    .sort((a, b) => b.length - a.length);
}

/** Detaches every mount below `dir` (lazily: a dying process may still hold one). */
export function unmountUnder(dir: string): void {
  for (const m of mountsUnder(dir)) spawnSync('umount', ['-l', m]);
}

/** Pids of live processes whose command line mentions `needle` (our temp dir). */
export function pidsMentioning(needle: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (pid === process.pid) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
      if (/^\d+ \(.*\) [ZX] /s.test(stat)) continue; // a zombie is dead already
      if (readFileSync(`/proc/${pid}/cmdline`, 'latin1').includes(needle)) out.push(pid);
    } catch { /* gone meanwhile */ }
  }
  return out;
}

/** SIGKILLs the processes that mention our temp dir: monitors a failed test left running. */
export function killMentioning(needle: string): number[] {
  const pids = pidsMentioning(needle);
  for (const pid of pids) {
    try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
  }
  return pids;
}

/** The v1 (and unified) cgroup directories named `rel` (e.g. "libpod_parent"), where present. */
export function cgroupDirs(rel: string): string[] {
  const out: string[] = [];
  for (const c of readdirSync('/sys/fs/cgroup')) {
    const d = join('/sys/fs/cgroup', c, rel);
    if (existsSync(d)) out.push(d);
  }
  return out;
}

/** Removes the cgroup directories named `rel` and every (empty) cgroup below them, deepest first.
 * Returns the directories that could not be removed (they still hold processes). */
export function removeCgroupTree(rel: string): string[] {
  const failed: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) walk(join(d, e.name));
    try { rmdirSync(d); } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') failed.push(d);
    }
  };
  for (const d of cgroupDirs(rel)) walk(d);
  return failed;
}

/** The memory cgroup (v1) directory of a process, from /proc/PID/cgroup. */
export function memoryCgroupOf(pid: number): string | undefined {
  const line = readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n').find((l) => /^\d+:([^:]*,)?memory(,[^:]*)?:/.test(l));
  return line ? join('/sys/fs/cgroup/memory', line.slice(line.lastIndexOf(':') + 1)) : undefined;
}

/** Whether this berth-runtime has a command (others are still adding exec, ps, pause…). */
export async function runtimeHas(runtime: string, command: string): Promise<boolean> {
  const r = await run(runtime, [command, '--help']);
  return r.code === 0 && !/No help topic/.test(r.stdout + r.stderr);
}

/** Names of iptables chains (any table) starting with `prefix`. */
export function iptablesChains(prefix: string): string[] {
  const r = spawnSync('iptables-save', [], { encoding: 'utf8' });
  if (r.status !== 0) return [];
  return r.stdout.split('\n').filter((l) => l.startsWith(`:${prefix}`)).map((l) => l.slice(1).split(' ')[0]);
}

/** Removes the chains starting with `prefix` in the filter and nat tables and the rules that
 * jump to them (netavark leaves its base chains behind after its last network is gone). */
export function removeIptablesChains(prefix: string): void {
  for (const table of ['filter', 'nat']) {
    const r = spawnSync('iptables-save', ['-t', table], { encoding: 'utf8' });
    if (r.status !== 0) continue;
    const lines = r.stdout.split('\n');
    const chains = lines.filter((l) => l.startsWith(`:${prefix}`)).map((l) => l.slice(1).split(' ')[0]);
    if (!chains.length) continue;
    // iptables-save quotes its output as a shell would read it: hand the rule back through sh.
    for (const l of lines) {
      const m = /^-A (\S+) (?:.* )?-j (\S+)/.exec(l);
      if (m && !m[1].startsWith(prefix) && m[2].startsWith(prefix)) spawnSync('sh', ['-c', `iptables -t ${table} -D ${l.slice(3)}`]);
    }
    for (const c of chains) spawnSync('iptables', ['-t', table, '-F', c]);
    for (const c of chains) spawnSync('iptables', ['-t', table, '-X', c]);
  }
}
