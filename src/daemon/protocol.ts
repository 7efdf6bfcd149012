// The wire between build/berth-client (native/client.c, the `berth` command) and berthd: one
// request per connection, then reply lines. The layout is described in native/client.c.

import { join } from 'node:path';
import { defaultRoots } from '../engine/index.ts';

export const CLIENT_MAGIC = 'berth-client/1';
/** Version 2 understands the reply "served": berthd ran the command in its own process (serve-query.ts). */
export const CLIENT_MAGIC_2 = 'berth-client/2';

/** Where berthd listens unless told otherwise (native/client.c has the same default). */
export const DEFAULT_SOCKET = '/run/berth/berthd.sock';

/** The socket a client uses: $BERTH_DAEMON_SOCKET, or the default when unset or empty (as the
 * client does): a user's own berthd listens in the user's run root (docs/rootless.md). */
export function daemonSocket(): string {
  if (process.env.BERTH_DAEMON_SOCKET) return process.env.BERTH_DAEMON_SOCKET;
  const roots = defaultRoots();
  return roots.rootless ? join(roots.runRoot, 'berthd.sock') : DEFAULT_SOCKET;
}

/** How the worker takes one of the client's standard streams. */
export interface StdioSpec {
  /** r read, w write, a append, u read-write (a terminal); '-' the stream is closed (/dev/null). */
  mode: 'r' | 'w' | 'a' | 'u' | '-';
  /** The client's fd to reopen through /proc/PID/fd/FD. */
  fd: number;
}

export interface ClientRequest {
  /** The client's protocol version (its magic): 2 takes "served". */
  version: 1 | 2;
  /** The plain CLI the client would otherwise exec (realpath): the daemon serves only its own. */
  script: string;
  pid: number;
  umask: number;
  cwd: string;
  stdio: [StdioSpec, StdioSpec, StdioSpec];
  argv: string[];
  env: Record<string, string>;
}

export class ProtocolError extends Error {
  constructor(what: string) {
    super(`berthd: bad request from the client: ${what}`);
    this.name = 'ProtocolError';
  }
}

/** The largest request accepted (argv + environment): the kernel's own ARG_MAX is 2 MiB. */
export const MAX_REQUEST = 4 << 20;

/** Splits a buffered stream into the request's payload: null until the whole frame is there. */
export function takeFrame(buf: Buffer): { payload: Buffer; rest: Buffer } | null {
  if (buf.length < 4) return null;
  const len = buf.readUInt32LE(0);
  if (len > MAX_REQUEST) throw new ProtocolError(`request of ${len} bytes`);
  if (buf.length < 4 + len) return null;
  return { payload: buf.subarray(4, 4 + len), rest: buf.subarray(4 + len) };
}

function stdioSpec(s: string, which: string): StdioSpec {
  if (s === '-') return { mode: '-', fd: -1 };
  const m = /^([rwau])(\d{1,9})$/.exec(s);
  if (!m) throw new ProtocolError(`${which} ${JSON.stringify(s)}`);
  return { mode: m[1] as StdioSpec['mode'], fd: Number(m[2]) };
}

/** Reads a request payload's NUL-terminated fields in order: `next` a string, `count` a small
 * decimal number; a missing or malformed field is a ProtocolError naming it. */
export function fieldReader(payload: Buffer): { next(what: string): string; count(what: string): number; end(): void } {
  const parts = payload.toString('utf8').split('\0');
  if (parts.pop() !== '') throw new ProtocolError('not NUL-terminated');
  let i = 0;
  const next = (what: string): string => {
    if (i >= parts.length) throw new ProtocolError(`${what} missing`);
    return parts[i++];
  };
  const count = (what: string): number => {
    const s = next(what);
    if (!/^\d{1,7}$/.test(s)) throw new ProtocolError(`${what} ${JSON.stringify(s)}`);
    return Number(s);
  };
  const end = (): void => { if (i !== parts.length) throw new ProtocolError('trailing fields'); };
  return { next, count, end };
}

export function parseRequest(payload: Buffer): ClientRequest {
  const { next, count, end } = fieldReader(payload);
  const magic = next('magic');
  if (magic !== CLIENT_MAGIC && magic !== CLIENT_MAGIC_2) throw new ProtocolError('unknown client version');
  const script = next('script');
  const pid = count('pid');
  const umaskText = next('umask');
  if (!/^[0-7]{1,4}$/.test(umaskText)) throw new ProtocolError(`umask ${JSON.stringify(umaskText)}`);
  const cwd = next('cwd');
  const stdio: [StdioSpec, StdioSpec, StdioSpec] = [stdioSpec(next('stdin'), 'stdin'), stdioSpec(next('stdout'), 'stdout'), stdioSpec(next('stderr'), 'stderr')];
  const argc = count('argc');
  const argv: string[] = [];
  for (let k = 0; k < argc; k++) argv.push(next('argument'));
  const envc = count('envc');
  const env: Record<string, string> = {};
  for (let k = 0; k < envc; k++) {
    const e = next('environment entry');
    const eq = e.indexOf('=');
    if (eq > 0) env[e.slice(0, eq)] = e.slice(eq + 1);
  }
  end();
  if (pid < 2) throw new ProtocolError(`pid ${pid}`);
  return { version: magic === CLIENT_MAGIC_2 ? 2 : 1, script, pid, umask: parseInt(umaskText, 8), cwd, stdio, argv, env };
}

/** Encodes a request as the client does (for tests and for a client written in TypeScript). */
export function encodeRequest(r: ClientRequest): Buffer {
  const spec = (s: StdioSpec) => (s.mode === '-' ? '-' : `${s.mode}${s.fd}`);
  const fields = [r.version === 2 ? CLIENT_MAGIC_2 : CLIENT_MAGIC, r.script, String(r.pid), r.umask.toString(8), r.cwd, ...r.stdio.map(spec),
    String(r.argv.length), ...r.argv, String(Object.keys(r.env).length), ...Object.entries(r.env).map(([k, v]) => `${k}=${v}`)];
  const payload = Buffer.from(fields.map((f) => `${f}\0`).join(''), 'utf8');
  const hdr = Buffer.alloc(4);
  hdr.writeUInt32LE(payload.length);
  return Buffer.concat([hdr, payload]);
}
