// The Docker Engine API server: node:http on a unix socket (mode 0660, group `berth`) and, only
// with TLS client verification, on TCP. Every request goes through one dispatcher that turns
// any thrown error into docker's `{"message"}` answer, so no request can take the service down.
import { chownSync, chmodSync, existsSync, readFileSync, unlinkSync, mkdirSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { connect, type Socket } from 'node:net';
import { dirname } from 'node:path';
import type { Duplex } from 'node:stream';
import { ExecSessions, type Engine } from '../engine/index.ts';
import { ApiContext, type ServerInfo } from './context.ts';
import { errorBody, HttpError, statusOf } from './errors.ts';
import { Router, type Route } from './router.ts';
import { trace } from '../util/trace.ts';

export interface TlsFiles { ca: string; cert: string; key: string }

export interface DockerApiOptions {
  engine: Engine;
  routes: Route[];
  version: string;
  attachHelper: string;
  /** Group that may use the unix socket (default `berth`; root's group when it does not exist). */
  group?: string;
  log?: (line: string) => void;
}

export class DockerApiServer {
  readonly #router: Router;
  readonly #engine: Engine;
  readonly #info: ServerInfo;
  readonly #log: (line: string) => void;
  readonly #group: string;
  readonly #servers: Server[] = [];
  readonly #sockets = new Set<Duplex>();
  readonly #closing = new AbortController();
  readonly #unixPaths: string[] = [];

  constructor(opts: DockerApiOptions) {
    this.#router = new Router(opts.routes);
    this.#engine = opts.engine;
    this.#info = { version: opts.version, started: Date.now(), attachHelper: opts.attachHelper, execs: new ExecSessions(opts.engine), pendingStdin: new Map() };
    this.#log = opts.log ?? ((l) => process.stderr.write(`${l}\n`));
    this.#group = opts.group ?? 'berth';
  }

  #newServer(make: (h: (req: IncomingMessage, res: ServerResponse) => void) => Server): Server {
    const server = make((req, res) => { void this.#dispatch(req, res, undefined); });
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      // An upgraded socket is ours alone: the HTTP server's error handling is gone from it, and
      // a client that vanishes (EPIPE, ECONNRESET) must only end its own stream.
      socket.on('error', () => socket.destroy());
      void this.#dispatch(req, undefined, { socket, head });
    });
    server.on('connection', (s: Duplex) => { this.#sockets.add(s); s.on('close', () => this.#sockets.delete(s)); });
    server.on('secureConnection', (s: Duplex) => { this.#sockets.add(s); s.on('close', () => this.#sockets.delete(s)); });
    // A malformed request line, a broken chunked body: a 400 and the connection closed.
    server.on('clientError', (err: Error & { code?: string }, socket: Duplex) => {
      if (!socket.writable || err.code === 'ECONNRESET') { socket.destroy(); return; }
      const body = errorBody(new Error(`bad request: ${err.message}`));
      socket.end(`HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    });
    server.headersTimeout = 60_000;
    server.requestTimeout = 0;
    server.keepAliveTimeout = 60_000;
    this.#servers.push(server);
    return server;
  }

  /** Listens on a unix socket, mode 0660, owned by root and the API's group (rootless: 0600,
   * the user's). Refuses a socket
   * another server answers on; removes a stale one. */
  async listenUnix(path: string): Promise<void> {
    mkdirSync(dirname(path), { recursive: true });
    if (existsSync(path)) {
      if (await answers(path)) throw new Error(`${path} is in use: another Docker API server is running`);
      unlinkSync(path);
    }
    const server = this.#newServer((h) => createHttpServer(h));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => { server.off('error', reject); resolve(); });
    });
    this.#unixPaths.push(path);
    // Rootless, the socket is the user's alone (0600, as rootless docker's): the engine is root
    // of the user's namespace only, and a chown to the berth group there would hand the socket
    // to a subordinate id (or fail). Its run root is 0700 anyway.
    if (this.#engine.rootless) { chmodSync(path, 0o600); return; }
    chmodSync(path, 0o660);
    // root:berth as docker's root:docker. (Not root: the socket stays ours, mode 0660.)
    if (process.getuid?.() !== 0) return;
    const gid = groupId(this.#group);
    if (gid === undefined) this.#log(`berthd: group "${this.#group}" does not exist: ${path} is for root only (scripts/setup.sh creates the group)`);
    chownSync(path, 0, gid ?? 0);
  }

  /** Serves on a socket systemd passed (socket activation: contrib/systemd/berth-docker.socket
   * made it, with its mode and group; it stays systemd's to remove). */
  async listenFd(fd: number): Promise<void> {
    const server = this.#newServer((h) => createHttpServer(h));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ fd }, () => { server.off('error', reject); resolve(); });
    });
  }

  /** Listens on TCP with TLS, requiring a client certificate signed by `tls.ca` (dockerd's
   * --tlsverify). There is no plain-TCP mode: anyone reaching it would be root. */
  async listenTcp(addr: string, tls: TlsFiles): Promise<{ host: string; port: number }> {
    const { host, port } = parseTcpAddr(addr);
    // allowHalfOpen: a client's half-close (Go's CloseWrite, a TLS close_notify) ends its input,
    // not the attach stream's output (plain http servers allow it; https ones must be told).
    const opts = { ca: readFileSync(tls.ca), cert: readFileSync(tls.cert), key: readFileSync(tls.key), requestCert: true, rejectUnauthorized: true, allowHalfOpen: true };
    const server = this.#newServer((h) => createHttpsServer(opts, h));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => { server.off('error', reject); resolve(); });
    });
    const a = server.address();
    return { host, port: typeof a === 'object' && a ? a.port : port };
  }

  async close(): Promise<void> {
    this.#closing.abort();
    const closed = this.#servers.map((s) => new Promise<void>((r) => s.close(() => r())));
    for (const s of this.#sockets) s.destroy();
    await Promise.all(closed);
    for (const p of this.#unixPaths) { try { unlinkSync(p); } catch { /* gone */ } }
  }

  async #dispatch(req: IncomingMessage, res: ServerResponse | undefined, upgrade: { socket: Duplex; head: Buffer } | undefined): Promise<void> {
    const gone = new AbortController();
    // A response ended by the handler closes (Node emits it on a tick, before the handler's
    // promise settles): nothing then listens, and an abort would only make a DOMException.
    const onClose = () => { if (!res?.writableEnded) gone.abort(); };
    const conn = upgrade?.socket ?? req.socket;
    conn.once('close', onClose);
    res?.once('close', onClose);
    const signal = AbortSignal.any([gone.signal, this.#closing.signal]);
    let ctx: ApiContext | undefined;
    // BERTH_TRACE=1: each request's arrival and end, for finding where a client's time goes.
    const t0 = performance.now();
    trace(`dockerapi: ${req.method} ${req.url}`);
    try {
      const url = new URL(req.url ?? '/', 'http://docker');
      const m = this.#router.match(req.method ?? 'GET', url.pathname);
      ctx = new ApiContext({ engine: this.#engine, server: this.#info, req, ...(res ? { res } : {}), ...(upgrade ? { upgrade } : {}), params: m.params, query: url.searchParams, version: m.version, signal });
      await m.handler(ctx);
    } catch (e) {
      const status = statusOf(e);
      if (status === 500 && !(e instanceof HttpError)) this.#log(`berthd: docker API ${req.method} ${req.url}: ${(e as Error)?.stack ?? e}`);
      if (ctx?.answered) {
        // Mid-stream: the headers are out; all that is left is to end the connection.
        (res ?? upgrade?.socket)?.destroy();
      } else {
        sendError(req, res, upgrade?.socket, status, errorBody(e));
      }
    } finally {
      // Once the handler is done nothing listens to the signal: a close then (every answered
      // request's) need not abort it (a DOMException per request, ~0.1 ms).
      conn.off('close', onClose);
      res?.off('close', onClose);
      trace(`dockerapi: ${req.method} ${req.url} done in ${(performance.now() - t0).toFixed(1)} ms`);
    }
  }
}

function sendError(req: IncomingMessage, res: ServerResponse | undefined, socket: Duplex | undefined, status: number, body: string): void {
  // A body the handler did not read (too large, or refused before reading): close afterwards
  // instead of reading the rest to reuse the connection.
  const close = !req.complete;
  if (res) {
    if (res.headersSent) { res.destroy(); return; }
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)), ...(close ? { Connection: 'close' } : {}) });
    res.end(req.method === 'HEAD' ? undefined : body);
    if (close) res.once('finish', () => req.socket.destroySoon?.());
    return;
  }
  socket?.end(`HTTP/1.1 ${status} Error\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s: Socket = connect(path);
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

/** The gid of a group from /etc/group, or undefined when there is no such group. */
export function groupId(name: string, groupFile = '/etc/group'): number | undefined {
  let text: string;
  try { text = readFileSync(groupFile, 'utf8'); } catch { return undefined; }
  for (const line of text.split('\n')) {
    const [n, , gid] = line.split(':');
    if (n === name && gid && /^\d+$/.test(gid)) return Number(gid);
  }
  return undefined;
}

/** The first socket systemd passed to this process (LISTEN_PID/LISTEN_FDS: sd_listen_fds(3)),
 * or undefined. */
export function systemdSocket(env = process.env, pid = process.pid): number | undefined {
  if (env.LISTEN_PID !== String(pid)) return undefined;
  const n = Number(env.LISTEN_FDS ?? 0);
  return Number.isInteger(n) && n >= 1 ? 3 : undefined;
}

/** "tcp://HOST:PORT", "HOST:PORT" or ":PORT" (all addresses). */
export function parseTcpAddr(addr: string): { host: string; port: number } {
  const a = addr.replace(/^tcp:\/\//, '');
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(a);
  if (!m) throw new Error(`--docker-tcp: expected HOST:PORT, not ${JSON.stringify(addr)}`);
  const port = Number(m[3]);
  if (port > 65535) throw new Error(`--docker-tcp: port ${port} out of range`);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}
