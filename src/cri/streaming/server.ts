// The streaming server the CRI's Exec, Attach and PortForward answer with a URL to (kubelet's
// own clients, crictl included, connect there): loopback HTTP by default, one-time tokens that
// expire, and an HTTP/1.1 upgrade to SPDY/3.1 with the subprotocol the client offers
// (X-Stream-Protocol-Version: v4.channel.k8s.io … for exec/attach, portforward.k8s.io).
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { randomBytes } from '../../util/random.ts';
import { SpdySession } from './spdy.ts';

/** What a token stands for: the handler that serves the upgraded session. */
export interface StreamRequest {
  kind: 'exec' | 'attach' | 'portforward';
  /** The subprotocols this request can speak, best first. */
  protocols: string[];
  serve(session: SpdySession, protocol: string): void;
}

const TOKEN_TTL_MS = 60_000;
/** Only v4 (the Status object on the error stream, resize, what kubelet-era clients offer first). */
export const EXEC_PROTOCOLS = ['v4.channel.k8s.io'];
export const PORTFORWARD_PROTOCOLS = ['portforward.k8s.io'];

export class StreamingServer {
  readonly #host: string;
  #port = 0;
  #server?: Server;
  readonly #tokens = new Map<string, { req: StreamRequest; expires: number }>();
  readonly #sessions = new Set<SpdySession>();

  constructor(host = '127.0.0.1', port = 0) {
    this.#host = host;
    this.#port = port;
  }

  get url(): string {
    return `http://${this.#host.includes(':') ? `[${this.#host}]` : this.#host}:${this.#port}`;
  }

  async listen(): Promise<void> {
    const server = createServer((req, res) => {
      res.writeHead(req.headers.upgrade ? 400 : 426, { 'content-type': 'text/plain' });
      res.end('this endpoint speaks SPDY/3.1 over an HTTP/1.1 upgrade only\n');
    });
    server.on('upgrade', (req, sock, head) => this.#upgrade(req, sock, head));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#port, this.#host, () => { server.off('error', reject); resolve(); });
    });
    const addr = server.address();
    if (addr && typeof addr === 'object') this.#port = addr.port;
    this.#server = server;
  }

  /** A one-time URL for a request (valid for a minute). */
  register(req: StreamRequest): string {
    const now = Date.now();
    for (const [t, v] of this.#tokens) if (v.expires < now) this.#tokens.delete(t);
    const token = randomBytes(16).toString('hex');
    this.#tokens.set(token, { req, expires: now + TOKEN_TTL_MS });
    return `${this.url}/${req.kind}/${token}`;
  }

  #upgrade(req: IncomingMessage, sock: Duplex, head: Buffer): void {
    const fail = (code: number, why: string) => {
      sock.end(`HTTP/1.1 ${code} ${code === 404 ? 'Not Found' : 'Bad Request'}\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(why) + 1}\r\nConnection: close\r\n\r\n${why}\n`);
    };
    const m = /^\/(exec|attach|portforward)\/([0-9a-f]{32})(?:\?.*)?$/.exec(req.url ?? '');
    const entry = m ? this.#tokens.get(m[2]) : undefined;
    if (!m || !entry || entry.req.kind !== m[1] || entry.expires < Date.now()) { fail(404, 'unknown or expired stream token'); return; }
    this.#tokens.delete(m[2]);
    if (String(req.headers.upgrade ?? '').toLowerCase() !== 'spdy/3.1') { fail(400, `unsupported upgrade "${req.headers.upgrade ?? ''}" (SPDY/3.1 only)`); return; }
    const offered = String(req.headers['x-stream-protocol-version'] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    const protocol = entry.req.protocols.find((p) => offered.includes(p));
    if (!protocol) { fail(400, `no common stream protocol (offered: ${offered.join(', ') || 'none'}; served: ${entry.req.protocols.join(', ')})`); return; }
    sock.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${protocol}\r\n\r\n`);
    const session = new SpdySession(sock, head);
    this.#sessions.add(session);
    session.on('close', () => this.#sessions.delete(session));
    session.on('error', () => session.close());
    entry.req.serve(session, protocol);
  }

  async close(): Promise<void> {
    for (const s of this.#sessions) s.close();
    const server = this.#server;
    this.#server = undefined;
    if (server) await new Promise<void>((r) => server.close(() => r()));
  }
}
