// Starting the per-container monitor, conmon (Debian's 2.1.6), as podman does. conmon double-
// forks and daemonizes, runs `<runtime> --root R create --bundle B --pid-file P [--console-socket
// S] ID` (or `exec … --process F -d` with --exec), keeps the container's stdio, writes the log
// in the CRI (k8s-file) format, the exit code to exit-dir/ID, an "oom" file in its working
// directory when the memory cgroup reports an OOM kill, offers an attach socket (SOCK_SEQPACKET,
// at socket-dir/<cuuid>/attach, a symlink to the bundle dir) and a "ctl" FIFO for window sizes.
// It reports on the fd named by _OCI_SYNCPIPE one JSON line {"data": pid} (api-version 1), or
// {"data": -1, "message": "…"} when the runtime failed; for --exec, a second line carries the
// exit code. No Node process stays behind: this module only waits for the first line.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { StartError } from './errors.ts';
import { trace } from '../util/trace.ts';
import { activeSpawner } from '../util/spawner.ts';

/** conmon's path: $BERTH_CONMON or conmon on PATH (read when used: a berthd worker adopts its
 * client's environment after loading this module). */
export const conmonPath = (): string => process.env.BERTH_CONMON ?? 'conmon';

export interface ConmonRequest {
  /** Container id (the runtime's id). */
  id: string;
  /** conmon's --cuuid: names the attach socket's directory; keep it short (sun_path limit). */
  cuuid: string;
  name: string;
  runtime: string;
  runtimeRoot: string;
  /** Bundle (create) or exec session directory; conmon's cwd too (where "oom" lands). */
  bundle: string;
  pidFile: string;
  conmonPidFile: string;
  logPath: string;
  logSizeMax?: number;
  exitDir: string;
  socketDir: string;
  terminal: boolean;
  stdin: boolean;
  /** Keep the container's stdin open when an attached client goes (conmon closes it otherwise). */
  leaveStdinOpen?: boolean;
  /** argv of a program conmon runs after the container exits (absolute argv[0]). */
  exitCommand?: string[];
  /** The runtime's --log file: read for the reason when it fails without a word on stderr. */
  runtimeLog?: string;
  /** Exec a process (spec file) in the running container instead of creating it. */
  execProcessSpec?: string;
  /** More environment for conmon and so the runtime (berth-relay's socket). */
  env?: Record<string, string>;
}

export function conmonArgs(r: ConmonRequest): string[] {
  const a = [
    '--api-version', '1', '-c', r.id, '-u', r.cuuid, '-n', r.name, '-r', r.runtime,
    '--runtime-arg', '--root', '--runtime-arg', r.runtimeRoot,
    ...(r.runtimeLog ? ['--runtime-arg', '--log', '--runtime-arg', r.runtimeLog] : []),
    '-b', r.bundle, '-p', r.pidFile, '-P', r.conmonPidFile,
    '-l', `k8s-file:${r.logPath}`, '--exit-dir', r.exitDir, '--socket-dir-path', r.socketDir,
    '--log-level', 'error',
  ];
  if (r.logSizeMax && r.logSizeMax > 0) a.push('--log-size-max', String(r.logSizeMax));
  if (r.terminal) a.push('-t');
  if (r.stdin) a.push('-i');
  if (r.stdin && r.leaveStdinOpen) a.push('--leave-stdin-open');
  if (r.execProcessSpec) a.push('-e', '--exec-process-spec', r.execProcessSpec);
  if (r.exitCommand?.length) {
    a.push('--exit-command', r.exitCommand[0]);
    for (const x of r.exitCommand.slice(1)) a.push('--exit-command-arg', x);
  }
  return a;
}

/** Parses conmon's sync-pipe lines; returns the first complete message. */
export function parseSyncMessage(text: string): { data: number; message?: string } | null {
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (!t) continue;
    try {
      const o = JSON.parse(t) as { data?: number; pid?: number; message?: string };
      const data = o.data ?? o.pid;
      if (typeof data === 'number') return { data, ...(o.message ? { message: o.message } : {}) };
    } catch { /* partial line: wait for more */ }
  }
  return null;
}

/** Starts conmon and resolves with the container's (or exec process's) pid once created. */
export function startConmon(r: ConmonRequest): Promise<number> {
  const helper = activeSpawner();
  if (helper) {
    // Through the spawn helper (util/spawner.ts): no fork of this (big) process.
    return helper.sync(conmonPath(), conmonArgs(r), { cwd: r.bundle, env: { ...process.env, ...r.env, _OCI_SYNCPIPE: '3' } }).then(
      ({ text, stderr }) => syncOutcome(parseSyncMessage(text), stderr, r),
      (e: Error) => { throw new StartError(`cannot run conmon (${conmonPath()}): ${e.message}`); },
    );
  }
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(conmonPath(), conmonArgs(r), {
      cwd: r.bundle,
      stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
      // Not LC_ALL=C, though it would spare conmon a dozen locale files per start (~1 ms): in
      // the C locale glib maps its charset converters, 0.4 MB more RSS per conmon.
      env: { ...process.env, ...r.env, _OCI_SYNCPIPE: '3' },
    });
    trace(`spawn: conmon ${(performance.now() - t0).toFixed(1)} ms`);
    const sync = child.stdio[3] as Readable;
    let text = '', stderr = '', done = false;
    const finish = (err: Error | null, pid?: number) => {
      if (done) return;
      done = true;
      sync.destroy();
      child.stderr?.destroy();
      if (err) reject(err); else resolve(pid!);
    };
    child.on('error', (e) => finish(new StartError(`cannot run conmon (${conmonPath()}): ${e.message}`)));
    child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
    sync.on('data', (d: Buffer) => {
      text += d.toString();
      const m = parseSyncMessage(text);
      if (!m) return;
      if (m.data < 0) finish(new StartError(runtimeFailure(m.message ?? stderr), exitCodeFor(m.message ?? '')));
      else finish(null, m.data);
    });
    sync.on('error', () => { /* reported through close */ });
    sync.on('close', () => {
      const why = stderr.trim() || lastLines(r.runtimeLog);
      finish(new StartError(`conmon exited before the container was created${why ? `: ${why}` : ''}`, why ? exitCodeFor(why) : 125));
    });
  });
}

/** conmon's first sync message (or none: it exited first) as the container's pid or an error. */
function syncOutcome(m: { data: number; message?: string } | null, stderr: string, r: ConmonRequest): number {
  if (m && m.data >= 0) return m.data;
  if (m) throw new StartError(runtimeFailure(m.message ?? stderr), exitCodeFor(m.message ?? ''));
  const why = stderr.trim() || lastLines(r.runtimeLog);
  throw new StartError(`conmon exited before the container was created${why ? `: ${why}` : ''}`, why ? exitCodeFor(why) : 125);
}

function lastLines(path: string | undefined): string {
  if (!path) return '';
  try { return readFileSync(path, 'utf8').trim().split('\n').slice(-3).join('\n'); } catch { return ''; }
}

function runtimeFailure(msg: string): string {
  return `OCI runtime create failed: ${msg.trim() || 'unknown error (see the runtime log)'}`;
}

/** docker's codes: 127 when the command is not there, 126 when it cannot be executed. */
export function exitCodeFor(msg: string): number {
  if (/no such file or directory|not found|ENOENT/i.test(msg) && /exec|executable|command|argv|process/i.test(msg)) return 127;
  if (/permission denied|EACCES|is a directory|exec format error|ENOEXEC/i.test(msg)) return 126;
  return 125;
}
