// Test fixtures around a real registry: Debian's docker-registry (distribution 2.8) on a free
// loopback port, optionally behind htpasswd basic auth or bearer-token auth from a small token
// server run here (JWTs signed with a throwaway self-signed certificate that the registry
// trusts through its rootcertbundle), and an HTTP proxy that can cut or corrupt blob
// downloads. Every start* function returns an object with stop(); call it in t.after.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash, createSign, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTemp, removeTemp } from './rootfs.ts';

export const REGISTRY_BIN = '/usr/bin/docker-registry';

/** A TCP port nobody listens on right now (loopback). */
export async function freePort(): Promise<number> {
  const srv = net.createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const port = (srv.address() as net.AddressInfo).port;
  srv.close();
  await once(srv, 'close');
  return port;
}

export interface RegistryInstance {
  /** `127.0.0.1:PORT`, usable as a reference domain. */
  host: string;
  port: number;
  url: string;
  dir: string;
  /** The registry's stderr so far (its log), for failure messages. */
  log(): string;
  /** With `accessLog`: the requests it has answered so far, in order, as "METHOD PATH". */
  requests(): string[];
  /** With `accessLog`: waits (up to `ms`) until every request made before this call is in
   * requests() (the access log reaches us a little after the response): it asks for a path of
   * its own and waits for that to appear. */
  settle(ms?: number): Promise<void>;
  stop(): Promise<void>;
}

export interface TokenAuthConfig { realm: string; service: string; issuer: string; certPath: string }

export interface RegistryOptions {
  /** Basic auth with these users (bcrypt htpasswd file made with `htpasswd -B`). */
  htpasswd?: Record<string, string>;
  /** Bearer token auth trusting this token server (see startTokenServer). */
  token?: TokenAuthConfig;
  /** Keep its access log (requests() and settle()): which requests reached this registry. */
  accessLog?: boolean;
}

async function waitHttp(url: string, child: ChildProcess, log: () => string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`registry exited (${child.exitCode}): ${log()}`);
    try {
      const status = await new Promise<number>((resolve, reject) => {
        const r = http.get(url, (res) => { res.resume(); resolve(res.statusCode ?? 0); });
        r.on('error', reject);
      });
      if (status === 200 || status === 401) return;
    } catch { /* not up yet */ }
    if (Date.now() > deadline) throw new Error(`registry at ${url} did not come up: ${log()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Starts docker-registry on a free loopback port with storage in a fresh temp dir. */
export async function startRegistry(opts: RegistryOptions = {}): Promise<RegistryInstance> {
  const dir = makeTemp('berth-registry-');
  const port = await freePort();
  let auth = '';
  if (opts.htpasswd) {
    const file = join(dir, 'htpasswd');
    writeFileSync(file, '');
    for (const [user, pass] of Object.entries(opts.htpasswd)) execFileSync('htpasswd', ['-B', '-b', file, user, pass], { stdio: 'ignore' });
    auth = `auth:\n  htpasswd:\n    realm: berth-test\n    path: ${file}\n`;
  } else if (opts.token) {
    const t = opts.token;
    auth = `auth:\n  token:\n    realm: ${t.realm}\n    service: ${t.service}\n    issuer: ${t.issuer}\n    rootcertbundle: ${t.certPath}\n`;
  }
  const config = `version: 0.1
log:
  level: warn
  accesslog:
    disabled: ${!opts.accessLog}
storage:
  filesystem:
    rootdirectory: ${join(dir, 'data')}
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: 127.0.0.1:${port}
  secret: ${randomBytes(16).toString('hex')}
${auth}`;
  writeFileSync(join(dir, 'config.yml'), config);
  const child = spawn(REGISTRY_BIN, ['serve', join(dir, 'config.yml')], { stdio: ['ignore', opts.accessLog ? 'pipe' : 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { stderr = (stderr + d).slice(-20_000); });
  const log = () => stderr;
  // The access log (combined log format, on stdout): `... "GET /v2/x/manifests/y HTTP/1.1" 200 ...`.
  const requests: string[] = [];
  let partial = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => {
    const lines = (partial + d).split('\n');
    partial = lines.pop()!;
    for (const l of lines) {
      const m = /"([A-Z]+) (\S+) HTTP\/[\d.]+"/.exec(l);
      if (m) requests.push(`${m[1]} ${m[2]}`);
    }
  });
  let marks = 0;
  const settle = async (ms = 30_000) => {
    if (!opts.accessLog) throw new Error('settle() needs a registry started with accessLog');
    const mark = `GET /v2/berth-test-settle-${++marks}/tags/list`;
    await new Promise<void>((resolve) => http.get(`http://127.0.0.1:${port}${mark.slice(4)}`, (res) => { res.resume(); res.on('end', resolve); }).on('error', () => resolve()));
    const deadline = Date.now() + ms;
    while (!requests.includes(mark)) {
      if (Date.now() > deadline) throw new Error(`the registry's access log never showed ${mark}: ${log()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  // if the test process dies without its after hooks, do not leave the registry behind
  const onExit = () => { if (child.exitCode === null) child.kill('SIGKILL'); };
  process.once('exit', onExit);
  const stop = async () => {
    process.removeListener('exit', onExit);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 3000);
      await once(child, 'exit').catch(() => undefined);
      clearTimeout(t);
    }
    removeTemp(dir);
  };
  try {
    await waitHttp(`http://127.0.0.1:${port}/v2/`, child, log);
  } catch (e) {
    await stop();
    throw e;
  }
  return { host: `127.0.0.1:${port}`, port, url: `http://127.0.0.1:${port}`, dir, log, requests: () => [...requests], settle, stop };
}

// ── token server ──

export interface TokenServer {
  /** Pass as RegistryOptions.token. */
  config: TokenAuthConfig;
  /** Scopes requested so far, one entry per token request ("" when none). */
  requests: { user: string | null; scopes: string[]; service?: string | null }[];
  stop(): Promise<void>;
}

export interface TokenServerOptions {
  /** Users and passwords allowed everything they ask for. */
  users: Record<string, string>;
  /** Anonymous requests get pull access (else a token granting nothing). */
  anonymousPull?: boolean;
  /** OAuth2 refresh tokens (identity tokens) accepted by POST /token, and whose they are. */
  refreshTokens?: Record<string, string>;
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

/** A docker token-auth server: GET /token?service=&scope=… with optional basic auth returns
 * {token, access_token, expires_in}. Wrong passwords get 401. */
export async function startTokenServer(opts: TokenServerOptions): Promise<TokenServer> {
  const dir = makeTemp('berth-token-');
  const keyPath = join(dir, 'key.pem');
  const certPath = join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyPath, '-out', certPath, '-days', '2', '-subj', '/CN=berth-test-token'], { stdio: 'ignore' });
  const key = readFileSync(keyPath, 'utf8');
  const certDer = Buffer.from(readFileSync(certPath, 'utf8').replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
  const port = await freePort();
  const service = 'berth-test-registry';
  const issuer = 'berth-test-issuer';
  const requests: TokenServer['requests'] = [];
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    if (url.pathname !== '/token') { res.writeHead(404).end(); return; }
    let user: string | null = null;
    const h = req.headers.authorization;
    if (req.method === 'POST') {
      // OAuth2: grant_type=refresh_token&refresh_token=…&service=…&scope=a b
      let body = '';
      for await (const c of req) body += String(c);
      const form = new URLSearchParams(body);
      const owner = opts.refreshTokens?.[form.get('refresh_token') ?? ''];
      if (form.get('grant_type') !== 'refresh_token' || !owner) {
        res.writeHead(401, { 'Content-Type': 'application/json' }).end('{"error":"invalid_grant"}');
        return;
      }
      user = owner;
      for (const sc of (form.get('scope') ?? '').split(' ').filter(Boolean)) url.searchParams.append('scope', sc);
    } else if (h?.startsWith('Basic ')) {
      const [u, ...p] = Buffer.from(h.slice(6), 'base64').toString('utf8').split(':');
      if (opts.users[u] !== p.join(':')) {
        res.writeHead(401, { 'Content-Type': 'application/json' }).end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'wrong username or password' }] }));
        return;
      }
      user = u;
    }
    const scopes = url.searchParams.getAll('scope');
    requests.push({ user, scopes, service: req.method === 'POST' ? service : url.searchParams.get('service') });
    const access = scopes.flatMap((s) => {
      const [type, name, actions] = s.split(':');
      if (!type || !name || !actions) return [];
      const granted = user ? actions.split(',') : opts.anonymousPull ? actions.split(',').filter((a) => a === 'pull') : [];
      return granted.length ? [{ type, name, actions: granted }] : [];
    });
    const now = Math.floor(Date.now() / 1000);
    const header = { typ: 'JWT', alg: 'RS256', x5c: [certDer.toString('base64')] };
    const claims = { iss: issuer, sub: user ?? '', aud: service, exp: now + 300, nbf: now - 10, iat: now, jti: randomBytes(8).toString('hex'), access };
    const signingInput = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    const sig = createSign('RSA-SHA256').update(signingInput).sign(key);
    const token = `${signingInput}.${b64url(sig)}`;
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ token, access_token: token, expires_in: 300, issued_at: new Date().toISOString() }));
  });
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  return {
    config: { realm: `http://127.0.0.1:${port}/token`, service, issuer, certPath },
    requests,
    stop: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      removeTemp(dir);
    },
  };
}

// ── fault-injecting proxy ──

export interface ProxyOptions {
  /** Cut the connection after this many body bytes of the first blob GET whose body is larger. */
  cutBlobAfter?: number;
  /** Flip one byte in the middle of every blob GET body. */
  corruptBlobs?: boolean;
  /** Answer the first N blob GETs with 503 without asking the registry. */
  fail503?: number;
  /** Change one byte of every manifest GET body (the Docker-Content-Digest header stays). */
  corruptManifests?: boolean;
  /** Answer blob GETs with a 307 to the registry itself (another origin, like a storage bucket). */
  redirectBlobs?: boolean;
  /** Hang up on the first upload PUT/PATCH after this many request-body bytes. */
  cutUploadAfter?: number;
}

export interface RegistryProxy {
  host: string;
  port: number;
  /** What went through: method, path and Range header of each request. */
  seen: { method: string; path: string; range?: string; status?: number }[];
  cuts: number;
  stop(): Promise<void>;
}

/** An HTTP proxy on a free loopback port in front of `target` (host:port). Host headers are
 * passed through, so the registry's Location headers point back at the proxy. */
export async function startRegistryProxy(target: string, opts: ProxyOptions = {}): Promise<RegistryProxy> {
  const [thost, tport] = [target.slice(0, target.lastIndexOf(':')), Number(target.slice(target.lastIndexOf(':') + 1))];
  const port = await freePort();
  const state: RegistryProxy = { host: `127.0.0.1:${port}`, port, seen: [], cuts: 0, stop: async () => undefined };
  let cutDone = false;
  let failed = 0;
  let uploadCut = false;
  const server = http.createServer((req, res) => {
    const entry: RegistryProxy['seen'][number] = { method: req.method ?? '', path: req.url ?? '', range: req.headers.range };
    state.seen.push(entry);
    if (opts.fail503 && failed < opts.fail503 && req.method === 'GET' && /\/blobs\/sha256:/.test(req.url ?? '')) {
      failed++;
      entry.status = 503;
      req.resume();
      res.writeHead(503, { 'Content-Type': 'application/json' }).end('{"errors":[{"code":"UNAVAILABLE","message":"injected by test proxy"}]}');
      return;
    }
    if (opts.cutUploadAfter !== undefined && !uploadCut && (req.method === 'PUT' || req.method === 'PATCH') && /\/blobs\/uploads\//.test(req.url ?? '')
      && Number(req.headers['content-length'] ?? 0) > opts.cutUploadAfter) {
      uploadCut = true;
      let got = 0;
      req.on('data', (c: Buffer) => {
        got += c.length;
        if (got >= opts.cutUploadAfter! && !req.socket.destroyed) { state.cuts++; entry.status = -1; req.socket.destroy(); }
      });
      return;
    }
    if (opts.redirectBlobs && req.method === 'GET' && /\/blobs\/sha256:/.test(req.url ?? '')) {
      entry.status = 307;
      req.resume();
      res.writeHead(307, { Location: `http://${target}${req.url}` }).end();
      return;
    }
    const up = http.request({ host: thost, port: tport, method: req.method, path: req.url, headers: req.headers }, (ures) => {
      entry.status = ures.statusCode;
      const isBlobGet = req.method === 'GET' && /\/blobs\/sha256:/.test(req.url ?? '') && (ures.statusCode === 200 || ures.statusCode === 206);
      const isManifestGet = req.method === 'GET' && /\/manifests\//.test(req.url ?? '') && ures.statusCode === 200;
      const len = Number(ures.headers['content-length'] ?? 0);
      res.writeHead(ures.statusCode ?? 502, ures.headers);
      if (isManifestGet && opts.corruptManifests) {
        const chunks: Buffer[] = [];
        ures.on('data', (c: Buffer) => chunks.push(c));
        ures.on('end', () => {
          const body = Buffer.concat(chunks);
          // swap a space-free, JSON-neutral byte: the digit of "schemaVersion":2 stays, one hex digit changes
          const i = body.indexOf('sha256:') + 7;
          body[i] = body[i] === 0x30 ? 0x31 : 0x30;
          res.end(body);
        });
        return;
      }
      if (!isBlobGet) { ures.pipe(res); return; }
      const cutAt = opts.cutBlobAfter !== undefined && !cutDone && len > opts.cutBlobAfter ? opts.cutBlobAfter : -1;
      if (cutAt >= 0) cutDone = true;
      const flipAt = opts.corruptBlobs ? Math.floor(len / 2) : -1;
      let pos = 0;
      ures.on('data', (chunk: Buffer) => {
        let c = chunk;
        if (flipAt >= pos && flipAt < pos + c.length) { c = Buffer.from(c); c[flipAt - pos] ^= 0xff; }
        if (cutAt >= 0 && pos + c.length >= cutAt) {
          res.write(c.subarray(0, cutAt - pos));
          pos = cutAt;
          state.cuts++;
          ures.destroy();
          // let the bytes reach the client, then hang up mid-body
          setTimeout(() => res.socket?.destroy(), 20);
          return;
        }
        pos += c.length;
        res.write(c);
      });
      ures.on('end', () => res.end());
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  state.stop = async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  };
  return state;
}

/** sha256 of a buffer as `sha256:<hex>` (for comparing with skopeo's output). */
export function digestOf(data: Buffer | string): string {
  return 'sha256:' + createHash('sha256').update(data).digest('hex');
}
