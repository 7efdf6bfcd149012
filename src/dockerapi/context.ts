// What a handler gets: the parsed request (path parameters, query, the negotiated version, the
// JSON body on demand) and the ways to answer — JSON, no content, a stream, or the hijacked
// connection (attach, exec start) that carries raw bytes both ways after the headers.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ContainerRecord, Engine, ExecSessions } from '../engine/index.ts';
import { badRequest, HttpError } from './errors.ts';

/** JSON bodies larger than this are refused (container configs are a few KiB). */
export const MAX_JSON_BODY = 4 << 20;

/** What lives as long as the server: its version, the exec sessions, and the stdin attaches
 * waiting for their container's start (connected in start's beforeStart, so that nothing the
 * client types before the process runs is lost). */
export interface ServerInfo {
  /** berth's version, shown as the engine's. */
  version: string;
  started: number;
  /** build/berth-attach, for stdin attaches. */
  attachHelper: string;
  execs: ExecSessions;
  pendingStdin: Map<string, Set<(rec: ContainerRecord) => Promise<void>>>;
}

export class ApiContext {
  readonly engine: Engine;
  readonly server: ServerInfo;
  readonly req: IncomingMessage;
  /** Undefined for a request that came as an HTTP upgrade (attach, exec start). */
  readonly res: ServerResponse | undefined;
  /** The upgraded connection, for an upgrade request. */
  readonly upgradeSocket: Duplex | undefined;
  readonly upgradeHead: Buffer | undefined;
  readonly params: Record<string, string>;
  readonly query: URLSearchParams;
  readonly version: string;
  /** Aborted when the client goes away (or the server closes): streams stop on it. */
  readonly signal: AbortSignal;
  #answered = false;

  constructor(init: {
    engine: Engine; server: ServerInfo; req: IncomingMessage; res?: ServerResponse; upgrade?: { socket: Duplex; head: Buffer };
    params: Record<string, string>; query: URLSearchParams; version: string; signal: AbortSignal;
  }) {
    this.engine = init.engine;
    this.server = init.server;
    this.req = init.req;
    this.res = init.res;
    this.upgradeSocket = init.upgrade?.socket;
    this.upgradeHead = init.upgrade?.head;
    this.params = init.params;
    this.query = init.query;
    this.version = init.version;
    this.signal = init.signal;
  }

  get answered(): boolean { return this.#answered; }

  /** A query flag as docker reads them: 1/true/yes set, 0/false/no/empty unset. */
  flag(name: string, dflt = false): boolean {
    const v = this.query.get(name);
    if (v === null) return dflt;
    const l = v.toLowerCase();
    if (l === '' || l === '0' || l === 'false' || l === 'no') return false;
    return true;
  }

  /** An integer query parameter; a bad value is a 400. */
  int(name: string): number | undefined {
    const v = this.query.get(name);
    if (v === null || v === '') return undefined;
    if (!/^-?\d+$/.test(v)) throw badRequest(`invalid value for ${name}: ${JSON.stringify(v)} is not an integer`);
    return Number(v);
  }

  /** The `filters` query parameter: docker's JSON map, either {"k":["v"]} or the old
   * {"k":{"v":true}} form. */
  filters(): Record<string, string[]> {
    const raw = this.query.get('filters');
    if (!raw) return {};
    let parsed: unknown;
    try { parsed = JSON.parse(raw); } catch { throw badRequest(`invalid filter: ${raw}`); }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw badRequest(`invalid filter: ${raw}`);
    const out: Record<string, string[]> = {};
    for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) {
      if (Array.isArray(v) && v.every((x) => typeof x === 'string')) out[k] = v as string[];
      else if (v && typeof v === 'object') out[k] = Object.entries(v as Record<string, unknown>).filter(([, on]) => on === true).map(([x]) => x);
      else throw badRequest(`invalid filter '${k}': expected a list of strings`);
    }
    return out;
  }

  /** The body parsed as JSON (undefined when empty); 400 for JSON that does not parse,
   * 413 for a body over the limit. */
  async json(limit = MAX_JSON_BODY): Promise<unknown> {
    const buf = await readBody(this.req, limit);
    if (buf.length === 0) return undefined;
    try {
      return JSON.parse(buf.toString('utf8'));
    } catch (e) {
      throw badRequest(`invalid JSON: ${(e as Error).message}`);
    }
  }

  sendJSON(status: number, body: unknown): void {
    const text = JSON.stringify(body);
    this.#head(status, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)) });
    this.#end(text);
  }

  sendStatus(status: number): void {
    this.#head(status, { 'Content-Length': '0' });
    this.#end('');
  }

  sendText(status: number, text: string, headers: Record<string, string> = {}): void {
    this.#head(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': String(Buffer.byteLength(text)), ...headers });
    this.#end(text);
  }

  /** Starts a streamed (chunked) answer and sends the headers at once: clients such as the
   * docker CLI's wait block until they see them. */
  stream(contentType: string, status = 200): ServerResponse {
    const res = this.#plainRes();
    this.#answered = true;
    res.writeHead(status, { 'Content-Type': contentType });
    res.flushHeaders();
    return res;
  }

  /** Takes over the connection (attach, exec start): 101 UPGRADED for an upgrade request,
   * else a 200 whose body is the raw stream until the connection closes (older clients). */
  hijack(contentType: string): Duplex {
    this.#answered = true;
    if (this.upgradeSocket) {
      const s = this.upgradeSocket;
      s.write(`HTTP/1.1 101 UPGRADED\r\nContent-Type: ${contentType}\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n`);
      if (this.upgradeHead?.length) s.unshift(this.upgradeHead);
      return s;
    }
    const res = this.#plainRes();
    // No chunked framing and no length: the body is the raw stream, ended by closing.
    res.removeHeader('Transfer-Encoding');
    res.shouldKeepAlive = false;
    res.writeHead(200, { 'Content-Type': contentType, Connection: 'close' });
    res.flushHeaders();
    const sock = res.socket!;
    return sock;
  }

  /** Completes a websocket handshake (RFC 6455) on an upgrade request; 400 when it is not one. */
  upgradeWebSocket(accept: (key: string) => string): Duplex {
    const s = this.upgradeSocket;
    const key = this.req.headers['sec-websocket-key'];
    if (!s || String(this.req.headers.upgrade ?? '').toLowerCase() !== 'websocket' || typeof key !== 'string' || !key) {
      throw new HttpError(400, 'a websocket upgrade request (Upgrade: websocket, Sec-WebSocket-Key) is required');
    }
    this.#answered = true;
    s.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept(key)}\r\n\r\n`);
    if (this.upgradeHead?.length) s.unshift(this.upgradeHead);
    return s;
  }

  #plainRes(): ServerResponse {
    if (!this.res) throw new HttpError(400, 'this endpoint does not take an upgrade');
    return this.res;
  }

  #head(status: number, headers: Record<string, string>): void {
    this.#answered = true;
    if (this.res) { this.res.writeHead(status, headers); return; }
    const s = this.upgradeSocket!;
    const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
    s.write(`HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Status'}\r\n${lines}Connection: close\r\n\r\n`);
  }

  #end(body: string): void {
    if (this.res) { this.res.end(this.req.method === 'HEAD' ? undefined : body); return; }
    this.upgradeSocket!.end(body);
  }
}

const STATUS_TEXT: Record<number, string> = {
  200: 'OK', 201: 'Created', 204: 'No Content', 304: 'Not Modified', 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden',
  404: 'Not Found', 405: 'Method Not Allowed', 409: 'Conflict', 413: 'Payload Too Large', 500: 'Internal Server Error', 501: 'Not Implemented',
};

/** Reads a request body up to `limit` bytes; past it, a 413 at once (the server then answers
 * with Connection: close rather than read the rest). */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer) => {
      size += c.length;
      if (size <= limit) { parts.push(c); return; }
      req.off('data', onData);
      req.pause();
      reject(new HttpError(413, `request body too large (over ${limit} bytes)`));
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', (e) => reject(new HttpError(400, `reading the request body: ${e.message}`)));
    req.on('aborted', () => reject(new HttpError(400, 'the client closed the connection mid-body')));
  });
}
