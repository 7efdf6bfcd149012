// Mounts, network namespaces and FIFOs through build/berth-mount (native/mount.c): Node has no
// mount(2), umount2(2), unshare(2) or mknod(2), and a util-linux mount/umount/unshare/mkfifo
// exec per syscall costs 5-15 ms each on a container's start and removal paths. One logical step
// (a rootfs mount, a netns creation or removal) is one exec of the static helper instead.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import { existsSync } from 'node:fs';
import { constants } from 'node:os';
import { NativeToolMissingError, nativeToolPath } from './native-tools.ts';

/** One step for berth-mount; the helper runs a list of them in order and stops at the first failure. */
export type MountOp =
  /** overlayfs on `target`; `lowerdirs` topmost first; no upperdir/workdir: read-only. */
  | { op: 'overlay'; target: string; lowerdirs: string[]; upperdir?: string; workdir?: string; extra?: string[] }
  /** A bind mount, recursive (rbind) unless `recursive` is false. */
  | { op: 'bind'; source: string; target: string; recursive?: boolean }
  /** The bind mount at `target` made read-only, its other flags kept. */
  | { op: 'remount-ro'; target: string }
  /** umount2; `lazy`: busy → MNT_DETACH; `missingOk`: not mounted / no such path is success. */
  | { op: 'umount'; path: string; lazy?: boolean; missingOk?: boolean }
  /** `dir` bind-mounted onto itself unless a mount point already, then made MS_SHARED. */
  | { op: 'shared'; dir: string }
  /** A new network namespace pinned by a bind mount at `path` (created, must not exist). */
  | { op: 'netns'; path: string }
  /** `dir` unmounted if it is a mount point with no entries; busy or not mounted is fine. */
  | { op: 'umount-if-empty'; dir: string }
  /** `path` removed; already gone is fine. */
  | { op: 'unlink'; path: string }
  /** A FIFO at `path` with exactly `mode`. */
  | { op: 'mkfifo'; path: string; mode: number }
  /** A pod's namespaces without a process (CRI-O's pinns): new IPC and UTS namespaces pinned at
   * `ipc` and `uts` (created, must not exist; either absent: the host's), `hostname` set in the
   * UTS one, `sysctls` written in them, net.* ones in the network namespace at `netns`. */
  | { op: 'podns'; ipc?: string; uts?: string; hostname?: string; netns?: string; sysctls?: Record<string, string> };

/** build/berth-mount is not there (not built: `make -C native`, or set BERTH_MOUNT). */
export class MountHelperMissingError extends NativeToolMissingError {
  constructor(path: string) {
    super('mount helper', path, 'BERTH_MOUNT');
  }
}

/** An op failed (or the helper could not run): which op, its errno, and the helper's message. */
export class MountOpError extends Error {
  /** Index into the ops passed; -1 when the failure is not one op's (helper crashed, bad usage). */
  readonly index: number;
  readonly op: MountOp | undefined;
  /** errno of the failing syscall, 0 when there is none. */
  readonly errno: number;
  /** 'EBUSY', 'ENOENT'... or undefined. */
  readonly code: string | undefined;
  /** The helper's message alone, e.g. "umount /x: Device or resource busy". */
  readonly detail: string;
  constructor(index: number, op: MountOp | undefined, errno: number, detail: string) {
    super(`berth-mount${op ? ` ${op.op}` : ''}: ${detail}`);
    this.name = 'MountOpError';
    this.index = index;
    this.op = op;
    this.errno = errno;
    this.code = errno ? errnoName(errno) : undefined;
    this.detail = detail;
  }
}

// Made on the first error, not when the module loads: every CLI start initialises this module,
// and reading node:os's constants loads node:os (the launcher defers it).
let errnoNames: Map<number, string> | undefined;
function errnoName(errno: number): string | undefined {
  errnoNames ??= new Map(Object.entries(constants.errno).map(([name, n]) => [n, name]));
  return errnoNames.get(errno);
}

/** build/berth-mount: this file (src/util/) and the bundles (dist/lib/) are both two levels
 * below the top. BERTH_MOUNT overrides. */
export function mountHelperPath(): string {
  return nativeToolPath('berth-mount', 'BERTH_MOUNT');
}

function umountFlags(o: { lazy?: boolean; missingOk?: boolean }): string {
  return [o.lazy ? 'lazy' : '', o.missingOk ? 'missing-ok' : ''].filter(Boolean).join(',');
}

/** The helper's argv for `ops` (see native/mount.c for the syntax). */
export function encodeMountOps(ops: MountOp[]): string[] {
  const args: string[] = [];
  for (const o of ops) {
    switch (o.op) {
      case 'overlay':
        if (!o.lowerdirs.length) throw new TypeError('overlay: at least one lowerdir');
        if ((o.upperdir === undefined) !== (o.workdir === undefined)) throw new TypeError('overlay: upperdir and workdir go together');
        args.push('overlay', o.target, o.lowerdirs.join(':'), o.upperdir ?? '', o.workdir ?? '', (o.extra ?? []).join(','));
        break;
      case 'bind':
        args.push(o.recursive === false ? 'bind' : 'rbind', o.source, o.target);
        break;
      case 'remount-ro':
        args.push('remount-ro', o.target);
        break;
      case 'umount':
        args.push('umount', o.path, umountFlags(o));
        break;
      case 'shared':
        args.push('shared', o.dir);
        break;
      case 'netns':
        args.push('netns', o.path);
        break;
      case 'umount-if-empty':
        args.push('umount-if-empty', o.dir);
        break;
      case 'unlink':
        args.push('unlink', o.path);
        break;
      case 'podns': {
        const lines = Object.entries(o.sysctls ?? {}).map(([k, v]) => {
          if (!k || /[=\n]/.test(k) || v.includes('\n')) throw new TypeError(`podns: bad sysctl ${JSON.stringify(k)}=${JSON.stringify(v)}`);
          return `${k}=${v}`;
        });
        args.push('podns', o.ipc ?? '', o.uts ?? '', o.hostname ?? '', o.netns ?? '', lines.join('\n'));
        break;
      }
      case 'mkfifo':
        if (!Number.isInteger(o.mode) || o.mode < 0 || o.mode > 0o7777) throw new TypeError(`mkfifo: bad mode ${o.mode}`);
        args.push('mkfifo', o.path, o.mode.toString(8));
        break;
    }
  }
  for (const a of args) if (a.includes('\0')) throw new TypeError(`NUL byte in a mount helper argument: ${JSON.stringify(a)}`);
  return args;
}

/** The error for a helper run that did not exit 0. */
function failure(bin: string, ops: MountOp[], status: number | null, signal: string | null, stderr: string, spawnError?: Error): MountOpError {
  const line = stderr.trim().split('\n').pop() ?? '';
  const m = /^(\d+)\t(\d+)\t(.*)$/.exec(line);
  if (m && status === 3) return new MountOpError(Number(m[1]), ops[Number(m[1])], Number(m[2]), m[3]);
  const why = spawnError?.message ?? `exit ${status ?? signal}`;
  return new MountOpError(-1, undefined, 0, `${bin} failed (${why})${line ? `: ${m ? m[3] : line}` : ''}`);
}

/** Runs `ops` in one exec of the helper; throws MountOpError naming the op that failed. */
export function runMountOps(ops: MountOp[]): void {
  if (!ops.length) return;
  const args = encodeMountOps(ops);
  const bin = mountHelperPath();
  if (!existsSync(bin)) throw new MountHelperMissingError(bin);
  const r = spawnSync(bin, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (r.status === 0) return;
  throw failure(bin, ops, r.status, r.signal, r.stderr ?? '', r.error);
}

/** runMountOps without blocking the event loop: through this process's `berth-mount --serve`
 * (started on first use), or one exec when that is not possible. */
export function runMountOpsAsync(ops: MountOp[]): Promise<void> {
  if (!ops.length) return Promise.resolve();
  let args: string[];
  try { args = encodeMountOps(ops); } catch (e) { return Promise.reject(e); }
  const bin = mountHelperPath();
  if (!existsSync(bin)) return Promise.reject(new MountHelperMissingError(bin));
  const served = serve(bin, args);
  if (served) {
    return served.then(({ status, stderr }) => {
      if (status !== 0) throw failure(bin, ops, status, null, stderr);
    });
  }
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    child.on('error', (e) => reject(failure(bin, ops, null, null, stderr, e)));
    child.on('close', (status, signal) => {
      if (status === 0) resolve();
      else reject(failure(bin, ops, status, signal, stderr));
    });
  });
}

/** Removes namespace files bound under `dir` (a netns, a pod's pinned IPC and UTS): each
 * unmounted lazily (a namespace still in use dies with its last user) and unlinked, in one
 * batch, then the directory's own bind mount if nothing is mounted below it any more, so that an
 * idle host carries no berth mount. That last step is a nicety: its failure is ignored; another
 * throws its MountOpError (index 2i: path i's unmount, 2i+1: its unlink). */
export async function unbindNamespaceFiles(paths: string[], dir: string): Promise<void> {
  if (!paths.length) return;
  const ops = paths.flatMap((path): MountOp[] => [{ op: 'umount', path, lazy: true, missingOk: true }, { op: 'unlink', path }]);
  try {
    await runMountOpsAsync([...ops, { op: 'umount-if-empty', dir }]);
  } catch (e) {
    if (e instanceof MountOpError && e.index === ops.length) return;
    throw e;
  }
}

// ---- the served form ------------------------------------------------------------------------
// Every spawn from Node forks its whole address space (~3-5 ms of the main thread for a CLI of
// ~100 MB); a `run` used to make six. One `berth-mount --serve` per process takes the mount,
// netns and fifo batches over a pipe instead (native/mount.c describes the framing); it ends when
// our end of its stdin closes, at our exit at the latest, and never keeps the event loop alive.

interface Pending { resolve: (r: { status: number; stderr: string }) => void; reject: (e: Error) => void }

let server: { child: ChildProcess; pending: Pending[]; buf: Buffer<ArrayBufferLike> } | undefined;
let serverBroken = false;

/** Has the server (started if needed) write its own pid to `procs` every 2 ms for up to `ms` ms
 * (cgroups/apply.ts keepAttachWarm says why), independent of our event loop; false when there
 * is no server. stopServedWarm() ends it. */
export function startServedWarm(procs: string, ms: number): boolean {
  const bin = mountHelperPath();
  if (!existsSync(bin) || !ensureServer(bin) || !server) return false;
  request(server, ['--warm', procs, String(Math.max(1, Math.round(ms)))]).catch(() => {});
  return true;
}

export function stopServedWarm(): void {
  if (server) request(server, ['--warm-stop']).catch(() => {});
}

/** Starts the server now (early in a command, while the process is small and its fork cheap). */
export function startMountServer(): void {
  const bin = mountHelperPath();
  if (existsSync(bin)) ensureServer(bin);
}

function serve(bin: string, args: string[]): Promise<{ status: number; stderr: string }> | undefined {
  if (!ensureServer(bin) || !server) return undefined;
  return request(server, args);
}

function ensureServer(bin: string): boolean {
  if (serverBroken || process.env.BERTH_MOUNT_NO_SERVER) return false;
  if (!server) {
    let child: ChildProcess;
    try {
      child = spawn(bin, ['--serve'], { stdio: ['pipe', 'pipe', 'inherit'] });
    } catch {
      serverBroken = true;
      return false;
    }
    const s = { child, pending: [] as Pending[], buf: Buffer.alloc(0) as Buffer<ArrayBufferLike> };
    server = s;
    const fail = (why: string) => {
      if (server === s) server = undefined;
      serverBroken = true;
      for (const p of s.pending.splice(0)) p.reject(new MountOpError(-1, undefined, 0, `${bin} --serve: ${why}`));
    };
    child.on('error', (e) => fail(e.message));
    child.on('exit', (code, sig) => fail(`exited (${code ?? sig})`));
    child.stdin!.on('error', () => { /* 'exit' reports it */ });
    child.stdout!.on('data', (d: Buffer) => {
      s.buf = s.buf.length ? Buffer.concat([s.buf, d]) : d;
      while (s.buf.length >= 8) {
        const len = s.buf.readUInt32LE(4);
        if (s.buf.length < 8 + len) break;
        const status = s.buf.readUInt32LE(0), stderr = s.buf.toString('utf8', 8, 8 + len);
        s.buf = s.buf.subarray(8 + len);
        s.pending.shift()?.resolve({ status, stderr });
      }
      if (!s.pending.length) idle(s.child);
    });
    idle(child);
    child.unref();
  }
  return true;
}

function request(s: NonNullable<typeof server>, args: string[]): Promise<{ status: number; stderr: string }> {
  let size = 4;
  for (const a of args) size += 4 + Buffer.byteLength(a);
  const req = Buffer.alloc(size);
  let o = req.writeUInt32LE(args.length, 0);
  for (const a of args) {
    const n = req.write(a, o + 4, 'utf8');
    req.writeUInt32LE(n, o);
    o += 4 + n;
  }
  return new Promise((resolve, reject) => {
    s.pending.push({ resolve, reject });
    busy(s.child);
    s.child.stdin!.write(req);
  });
}

// While a request is out, the pipes keep the process alive; idle, they must not.
function busy(c: ChildProcess): void {
  (c.stdout as Socket).ref();
}
function idle(c: ChildProcess): void {
  (c.stdout as Socket).unref();
  (c.stdin as unknown as Socket).unref();
}
