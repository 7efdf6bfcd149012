// One HTTP exchange over node:http/https, following redirects. Retries, auth and error
// mapping live in client.ts; this file only moves bytes.
import http from 'node:http';
import https from 'node:https';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';

export interface HttpRequest {
  method: string;
  url: URL;
  headers?: Record<string, string>;
  /** A buffer, or a factory giving a fresh stream each attempt (so redirects can replay it). */
  body?: Buffer | (() => Readable);
  /** Skip TLS certificate verification (insecure registries only). */
  insecureTLS?: boolean;
  /** Idle time after which the exchange fails with code BERTH_TIMEOUT; default 60 s. */
  idleTimeoutMs?: number;
  /** Follow 301/302/303/307/308 (GET and HEAD only); default true. */
  followRedirects?: boolean;
}

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: IncomingMessage;
  /** The URL that answered (after redirects). */
  url: URL;
}

const httpAgent = new http.Agent({ keepAlive: true });
const httpsAgent = new https.Agent({ keepAlive: true });
const httpsInsecureAgent = new https.Agent({ keepAlive: true, rejectUnauthorized: false });

class TimeoutError extends Error {
  readonly code = 'BERTH_TIMEOUT';
  constructor(url: URL, ms: number) {
    super(`no data from ${url.host} for ${ms} ms`);
    this.name = 'TimeoutError';
  }
}

function once(req: HttpRequest): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const isHttps = req.url.protocol === 'https:';
    const agent = isHttps ? (req.insecureTLS ? httpsInsecureAgent : httpsAgent) : httpAgent;
    const headers: Record<string, string> = { 'User-Agent': 'berth/0.1', ...req.headers };
    if (Buffer.isBuffer(req.body)) headers['Content-Length'] = String(req.body.length);
    const mod = isHttps ? https : http;
    const ms = req.idleTimeoutMs ?? 60_000;
    const r = mod.request(req.url, { method: req.method, headers, agent, timeout: ms }, (res) => {
      resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res, url: req.url });
    });
    r.on('timeout', () => r.destroy(new TimeoutError(req.url, ms)));
    r.on('error', reject);
    if (req.body === undefined) r.end();
    else if (Buffer.isBuffer(req.body)) r.end(req.body);
    else {
      const src = req.body();
      src.on('error', (e) => r.destroy(e));
      src.pipe(r);
    }
  });
}

/** Sends a request, following redirects for GET/HEAD (Authorization is dropped when the
 * redirect leaves the registry's origin, e.g. to a storage bucket). */
export async function send(req: HttpRequest): Promise<HttpResponse> {
  let cur = req;
  for (let hops = 0; ; hops++) {
    const res = await once(cur);
    const follow = (cur.followRedirects ?? true) && (cur.method === 'GET' || cur.method === 'HEAD');
    if (!follow || ![301, 302, 303, 307, 308].includes(res.status) || !res.headers.location) return res;
    res.body.resume();
    if (hops >= 10) throw Object.assign(new Error(`too many redirects from ${req.url.href}`), { code: 'BERTH_REDIRECTS' });
    const next = new URL(res.headers.location, cur.url);
    const headers = { ...cur.headers };
    if (next.origin !== req.url.origin) delete headers.Authorization;
    cur = { ...cur, url: next, headers };
  }
}

/** Reads a whole body, refusing more than `limit` bytes (manifests, tokens, error bodies). */
export async function readBody(res: HttpResponse, limit = 8 << 20): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of res.body as AsyncIterable<Buffer>) {
    n += c.length;
    if (n > limit) {
      res.body.destroy();
      throw Object.assign(new Error(`response from ${res.url.host} larger than ${limit} bytes`), { code: 'BERTH_TOO_LARGE' });
    }
    chunks.push(c);
  }
  return Buffer.concat(chunks);
}

/** Throws away a body we do not need, so the connection can be reused. */
export function discard(res: HttpResponse): void {
  res.body.resume();
}
