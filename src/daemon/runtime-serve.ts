// berthd's side of build/berth-runtime-client (native/runtime-client.c), the berth-runtime on
// PATH: runc's commands run here, in berthd's long-lived process where the runtime's TypeScript
// is loaded and compiled already, for a client that stays in its caller's process tree. For
// `create` and `run` the client starts the helper (build/berth-init) itself, so the container's
// parentage, stdio, preserved fds and `run`'s exit status are what runc's would be; this side
// plans, runs the helper conversation over the connection (as for berth-relay: uid maps, cgroups,
// hooks, state.json, the pid file) and sends the command's output and status back.
//
// Wire (unix stream socket, berthd's): the client's request is one frame as berth-client's
// (protocol.ts: u32le length, then NUL-terminated strings):
//   "berth-runtime/1", SCRIPT (realpath of the plain runtime it would exec), PID, CWD,
//   NAMESPACES (its /proc/self/ns/{cgroup,ipc,mnt,net,pid,time,user,uts} links, space-separated,
//   "-" for one it lacks), ARGC, ARGV..., ENVC, ENV...
// then records both ways in the helper channel's framing (docs/plan-format.md). berthd → client:
//   ["client-fallback", KIND, REASON]   run the plain runtime instead (only before anything was
//                                 done); KIND "command": berthd never serves this command,
//                                 "daemon": it cannot serve this client now
//   ["client-spawn", WAIT, N]     start build/berth-init (--wait when WAIT is 1) with the
//                                 caller's fds 0-2 and 3..3+N-1; the plan records follow
//   ["client-out", BYTES], ["client-err", BYTES]   write to fd 1 / fd 2
//   ["client-exit", CODE]         the command is over: exit with CODE
//   any other record              for the helper, passed on unchanged
// client → berthd: the helper's records (whole records only), and
//   ["client-helper-eof"]         the helper's channel ended
//   ["client-helper-exit", CODE, SIGNAL]   stage 0 exited (status, or the signal that killed it)
import { readlinkSync } from 'node:fs';
import type { Socket } from 'node:net';
import { dirname } from 'node:path';
import { Duplex } from 'node:stream';
import { NotServedError, type ServedBy } from '../cli/runtime/context.ts';
import { runRuntimeCommand } from '../cli/runtime/dispatch.ts';
import { relayedHelper, type HelperExit } from '../runtime/helper.ts';
import { signalName } from '../runtime/signals.ts';
import { encodeRecord, RecordReader } from '../runtime/plan.ts';
import { asCaller } from '../util/caller.ts';
import { fieldReader, ProtocolError } from './protocol.ts';

export const RUNTIME_MAGIC = 'berth-runtime/1';

export interface RuntimeRequest {
  /** The plain runtime the client would exec (realpath). */
  script: string;
  pid: number;
  cwd: string;
  /** The client's namespaces (see ownNamespaces). */
  namespaces: string;
  argv: string[];
  env: Record<string, string>;
}

const NAMESPACES = ['cgroup', 'ipc', 'mnt', 'net', 'pid', 'time', 'user', 'uts'];
let own: string | undefined;

/** The namespaces of process `pid` (or this one), as the native clients write their own. */
export function namespacesOf(pid: number | 'self'): string {
  return NAMESPACES.map((ns) => { try { return readlinkSync(`/proc/${pid}/ns/${ns}`); } catch { return '-'; } }).join(' ');
}

/** This process's namespaces as the client writes its own. berthd writes pids, cgroup and
 * /proc paths and file paths for the client's helper: only a client in the same namespaces can
 * be served. */
export function ownNamespaces(): string {
  own ??= namespacesOf('self');
  return own;
}

/** Whether a request frame's payload is the runtime client's. */
export function isRuntimeRequest(payload: Buffer): boolean {
  return payload.subarray(0, RUNTIME_MAGIC.length + 1).toString('latin1') === `${RUNTIME_MAGIC}\0`;
}

export function parseRuntimeRequest(payload: Buffer): RuntimeRequest {
  const { next, count, end } = fieldReader(payload);
  if (next('magic') !== RUNTIME_MAGIC) throw new ProtocolError('unknown client version');
  const script = next('script');
  const pid = count('pid');
  const cwd = next('cwd');
  const namespaces = next('namespaces');
  const argv: string[] = [];
  for (let k = count('argc'); k > 0; k--) argv.push(next('argument'));
  const env: Record<string, string> = {};
  for (let k = count('envc'); k > 0; k--) {
    const e = next('environment entry');
    const eq = e.indexOf('=');
    if (eq > 0) env[e.slice(0, eq)] = e.slice(eq + 1);
  }
  end();
  if (pid < 2 || !cwd.startsWith('/')) throw new ProtocolError(`pid ${pid}, cwd ${JSON.stringify(cwd)}`);
  return { script, pid, cwd, namespaces, argv, env };
}

export interface RuntimeServeOptions {
  /** berthd's own launcher (dist/berth.mjs): a client of another build is sent to its plain runtime. */
  script: string;
  /** True once the build berthd loaded has been replaced on disk. */
  stale(): boolean;
  /** Counted as served or sent back. */
  counts: { served: number; fallback: number };
}

/** Serves one runtime client on `s` (its request already read; `rest` is what followed it). */
export async function serveRuntime(s: Socket, req: RuntimeRequest, rest: Buffer, opts: RuntimeServeOptions): Promise<void> {
  const send = (fields: (string | Buffer)[]) => { if (!s.destroyed) s.write(encodeRecord(fields)); };
  const fallback = (kind: 'command' | 'daemon', why: string) => {
    opts.counts.fallback++;
    if (!s.destroyed) s.end(encodeRecord(['client-fallback', kind, why]));
  };
  if (dirname(req.script) !== dirname(opts.script)) return fallback('daemon', `berthd serves the runtime beside ${opts.script}, not ${req.script}`);
  if (opts.stale()) return fallback('daemon', 'berthd runs an older build than the one on disk');
  if (req.namespaces !== ownNamespaces()) return fallback('daemon', 'the caller is in other namespaces than berthd');

  // The helper's side of the conversation, as a stream for relayedHelper; made on client-spawn.
  let chan: Duplex | undefined;
  let stage0: (e: HelperExit) => void = () => {};
  const stage0Exit = new Promise<HelperExit>((r) => { stage0 = r; });
  const reader = new RecordReader();
  const onData = (chunk: Buffer) => {
    let recs: string[][];
    try {
      recs = reader.push(chunk);
    } catch {
      s.destroy();
      return;
    }
    for (const rec of recs) {
      if (rec[0] === 'client-helper-eof') chan?.push(null);
      else if (rec[0] === 'client-helper-exit') stage0(helperExit(rec[1], rec[2]));
      else chan?.push(encodeRecord(rec));
    }
  };
  s.on('data', onData);
  s.on('error', () => { /* the client went away: 'close' follows */ });
  s.once('close', () => {
    // A client killed outright: its helper's channel is gone with it, stage 0 is not ours to wait for.
    chan?.destroy();
    stage0({ code: null, signal: null });
  });
  if (rest.length) onData(rest);

  const served: ServedBy = {
    startHelper(steps, how) {
      send(['client-spawn', how.wait ? '1' : '0', String(how.preserveFds)]);
      chan = new Duplex({
        read() { /* pushed from the socket */ },
        write(chunk: Buffer, _enc, cb) {
          if (s.destroyed) cb();
          else s.write(chunk, () => cb());
        },
      });
      return relayedHelper(chan, steps, stage0Exit);
    },
  };
  let started = false;
  const caller = {
    env: req.env,
    out: (b: Buffer) => { started = true; send(['client-out', b]); },
    err: (b: Buffer) => { started = true; send(['client-err', b]); },
  };
  let code: number;
  try {
    code = await asCaller(caller, () => runRuntimeCommand(req.argv, { cwd: req.cwd, env: req.env, served }));
  } catch (e) {
    if (e instanceof NotServedError && !started && !chan) return fallback('command', e.message);
    caller.err(Buffer.from(`berth-runtime: ${(e as Error).message ?? String(e)}\n`));
    code = 1;
  }
  opts.counts.served++;
  s.off('data', onData);
  if (!s.destroyed) s.end(encodeRecord(['client-exit', String(code)]));
}

function helperExit(code: string | undefined, signal: string | undefined): HelperExit {
  if (code) return { code: Number(code), signal: null };
  return { code: null, signal: signalName(Number(signal)) };
}

/** Loads the served commands and runs the planner's hot paths a few times, so that the first
 * runtime client after berthd starts pays neither module initialisation nor cold code. */
export async function warmRuntime(): Promise<void> {
  await Promise.all([
    import('../cli/runtime/create.ts'), import('../cli/runtime/run.ts'), import('../cli/runtime/start.ts'),
    import('../cli/runtime/state.ts'), import('../cli/runtime/kill.ts'), import('../cli/runtime/delete.ts'),
  ]);
  const { exerciseHotPaths } = await import('./warm.ts');
  exerciseHotPaths(5);
}
