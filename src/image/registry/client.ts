// A client for one registry (OCI distribution v1.1 / docker registry v2 HTTP API): manifests,
// blobs with resumable verified downloads, uploads (monolithic, chunked, cross-repository
// mount), tags. Every request goes through `exchange`, which adds authorisation, answers
// challenges once, and retries connection failures and 429/5xx with exponential backoff.
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { lookupCredentials } from '../auth/index.ts';
import type { Credentials } from '../auth/credentials.ts';
import type { BlobWriter } from '../store/content.ts';
import {
  isDigest, MEDIA_DOCKER_MANIFEST, MEDIA_DOCKER_MANIFEST_LIST, MEDIA_DOCKER_MANIFEST_V1, MEDIA_DOCKER_MANIFEST_V1_SIGNED,
  MEDIA_OCI_INDEX, MEDIA_OCI_MANIFEST,
} from '../types.ts';
import { Authorizer, repositoryScope } from './auth.ts';
import { readRegistriesConfig, schemesFor, type RegistriesConfig, type Scheme } from './config.ts';
import {
  isRetryableNetworkError, isRetryableStatus, parseErrorBody, RegistryDigestError, RegistryError, UnsupportedManifestError,
} from './errors.ts';
import { discard, readBody, send, type HttpRequest, type HttpResponse } from './transport.ts';

/** Manifest media types berth asks for, most specific first. */
export const MANIFEST_ACCEPT = [MEDIA_OCI_INDEX, MEDIA_OCI_MANIFEST, MEDIA_DOCKER_MANIFEST_LIST, MEDIA_DOCKER_MANIFEST].join(', ');
const MANIFEST_LIMIT = 4 << 20;

export interface RegistryClientOptions {
  /** The registry as a reference names it: `docker.io`, `localhost:5000`. */
  domain: string;
  /** Login to use; default: lookupCredentials(domain) (berth's store, then docker's config). */
  credentials?: Credentials | null | (() => Promise<Credentials | null>);
  /** Default: readRegistriesConfig() (insecure registries). */
  registries?: RegistriesConfig;
  /** Attempts after the first for connection failures and 429/5xx; default 4. */
  retries?: number;
  /** First backoff delay, doubled each attempt; default 250 ms. */
  retryDelayMs?: number;
  /** Idle timeout of one exchange; default 60 s. */
  idleTimeoutMs?: number;
}

export interface FetchedManifest {
  digest: string;
  mediaType: string;
  bytes: Buffer;
}

export interface BlobTransferOptions {
  /** Called with the number of new bytes moved. */
  onBytes?: (n: number) => void;
  /** Called with each downloaded chunk, in order, exactly once per byte (tee for unpacking). */
  onChunk?: (chunk: Buffer) => void | Promise<void>;
}

export interface UploadOptions {
  onBytes?: (n: number) => void;
  /** Upload in PATCH chunks of this many bytes when the blob is larger; default: one PUT. */
  chunkSize?: number;
  /** A repository on the same registry that may hold the blob: try a cross-repo mount first. */
  mountFrom?: string;
}

interface Base { origin: string; insecureTLS: boolean }

function sha256(data: Buffer): string {
  return 'sha256:' + createHash('sha256').update(data).digest('hex');
}

function mediaTypeOf(contentType: string | undefined, bytes: Buffer): string {
  let fromBody: string | undefined;
  let schemaVersion: unknown;
  try {
    const j = JSON.parse(bytes.toString('utf8')) as { mediaType?: unknown; schemaVersion?: unknown; manifests?: unknown; layers?: unknown };
    if (typeof j.mediaType === 'string') fromBody = j.mediaType;
    schemaVersion = j.schemaVersion;
    if (!fromBody && schemaVersion === 2) fromBody = Array.isArray(j.manifests) ? MEDIA_OCI_INDEX : Array.isArray(j.layers) ? MEDIA_OCI_MANIFEST : undefined;
  } catch { /* judged below */ }
  const header = contentType?.split(';')[0]?.trim();
  if (schemaVersion === 1) return MEDIA_DOCKER_MANIFEST_V1;
  return fromBody ?? header ?? 'application/octet-stream';
}

export class RegistryClient {
  readonly domain: string;
  private readonly apiHost: string;
  private readonly registries: RegistriesConfig;
  private readonly retries: number;
  private readonly retryDelayMs: number;
  private readonly idleTimeoutMs: number | undefined;
  private basePromise: Promise<Base> | undefined;
  private authorizerRef: Authorizer | undefined;
  private readonly credentialSource: () => Promise<Credentials | null>;

  constructor(opts: RegistryClientOptions) {
    this.domain = opts.domain;
    this.apiHost = opts.domain === 'docker.io' ? 'registry-1.docker.io' : opts.domain;
    this.registries = opts.registries ?? readRegistriesConfig();
    this.retries = opts.retries ?? 4;
    this.retryDelayMs = opts.retryDelayMs ?? 250;
    this.idleTimeoutMs = opts.idleTimeoutMs;
    const c = opts.credentials;
    this.credentialSource = typeof c === 'function' ? c : c !== undefined ? async () => c : () => lookupCredentials(opts.domain);
  }

  private async base(): Promise<Base> {
    this.basePromise ??= this.chooseBase().catch((e: unknown) => { this.basePromise = undefined; throw e; });
    return this.basePromise;
  }

  private async chooseBase(): Promise<Base> {
    const schemes = schemesFor(this.apiHost, this.registries);
    const baseOf = (s: Scheme): Base => ({ origin: `${s === 'http' ? 'http' : 'https'}://${this.apiHost}`, insecureTLS: s === 'https-insecure' });
    if (schemes.length === 1) return baseOf(schemes[0]);
    // insecure registry: HTTPS without verification when it speaks TLS, else plain HTTP
    try {
      const res = await send({ method: 'GET', url: new URL('/v2/', baseOf(schemes[0]).origin), insecureTLS: true, idleTimeoutMs: 10_000 });
      discard(res);
      return baseOf(schemes[0]);
    } catch {
      return baseOf(schemes[1]);
    }
  }

  private async authorizer(): Promise<Authorizer> {
    const b = await this.base();
    this.authorizerRef ??= new Authorizer(this.domain, this.credentialSource, b.insecureTLS);
    return this.authorizerRef;
  }

  private delay(attempt: number, res?: HttpResponse): number {
    const ra = Number(res?.headers['retry-after']);
    if (Number.isFinite(ra) && ra > 0) return Math.min(ra * 1000, 30_000);
    return this.retryDelayMs * 2 ** (attempt - 1) * (0.75 + Math.random() / 2);
  }

  /** One API call with auth, challenge handling and retries. Returns any response other than
   * 401/403 and retryable errors; callers check the status they expect. */
  private async exchange(op: string, scopes: string[], make: (b: Base) => HttpRequest, retryNetwork = true): Promise<HttpResponse> {
    let attempt = 0;
    let challenged = false;
    for (;;) {
      const b = await this.base();
      const auth = await this.authorizer();
      const req = make(b);
      const header = await auth.header(scopes);
      const headers = { ...req.headers };
      if (header) headers.Authorization = header;
      let res: HttpResponse;
      try {
        res = await send({ ...req, headers, insecureTLS: b.insecureTLS, idleTimeoutMs: this.idleTimeoutMs });
      } catch (e) {
        if (retryNetwork && isRetryableNetworkError(e) && attempt < this.retries) {
          attempt++;
          await sleep(this.delay(attempt));
          continue;
        }
        throw new RegistryError(this.domain, op, `cannot reach ${b.origin}: ${(e as Error).message}`, { cause: e });
      }
      if (res.status === 401 && !challenged) {
        discard(res);
        challenged = true;
        await auth.challenged(res, scopes, op, header);
        continue;
      }
      if (res.status === 401 || res.status === 403) {
        const body = parseErrorBody(await readBody(res, 1 << 16).catch(() => Buffer.alloc(0)));
        throw await auth.refusal(op, res, body.text);
      }
      if (isRetryableStatus(res.status) && attempt < this.retries) {
        discard(res);
        attempt++;
        await sleep(this.delay(attempt, res));
        continue;
      }
      return res;
    }
  }

  private async fail(op: string, res: HttpResponse): Promise<never> {
    const body = parseErrorBody(await readBody(res, 1 << 16).catch(() => Buffer.alloc(0)));
    const what = res.status === 404 ? 'not found' : `HTTP ${res.status}`;
    throw new RegistryError(this.domain, op, `${what}${body.text ? ` (${body.text})` : ''}`, { status: res.status, errors: body.errors });
  }

  private url(b: Base, path: string): URL {
    return new URL(path, b.origin);
  }

  /** GET /v2/: checks the registry speaks the v2 API (and that we may talk to it). */
  async ping(): Promise<void> {
    const op = 'ping /v2/';
    const res = await this.exchange(op, [], (b) => ({ method: 'GET', url: this.url(b, '/v2/') }));
    if (res.status !== 200) await this.fail(op, res);
    discard(res);
  }

  /** Fetches a manifest or index by tag or digest, verifying its digest against the reference
   * (when a digest) and against Docker-Content-Digest (when sent). */
  async getManifest(path: string, reference: string): Promise<FetchedManifest> {
    const op = `get manifest ${this.domain}/${path}${isDigest(reference) ? '@' : ':'}${reference}`;
    const res = await this.exchange(op, [repositoryScope(path, ['pull'])], (b) => ({
      method: 'GET', url: this.url(b, `/v2/${path}/manifests/${reference}`), headers: { Accept: MANIFEST_ACCEPT },
    }));
    if (res.status !== 200) await this.fail(op, res);
    const bytes = await readBody(res, MANIFEST_LIMIT);
    const digest = sha256(bytes);
    if (isDigest(reference) && reference !== digest) throw new RegistryDigestError(this.domain, op, reference, digest);
    const announced = res.headers['docker-content-digest'];
    if (typeof announced === 'string' && announced.startsWith('sha256:') && announced !== digest) {
      throw new RegistryDigestError(this.domain, `${op} (Docker-Content-Digest)`, announced, digest);
    }
    const mediaType = mediaTypeOf(res.headers['content-type'], bytes);
    if (mediaType === MEDIA_DOCKER_MANIFEST_V1 || mediaType === MEDIA_DOCKER_MANIFEST_V1_SIGNED) {
      throw new UnsupportedManifestError(`${this.domain}/${path}:${reference}`, 'docker schema 1 manifests are not supported; re-push the image with a current client');
    }
    return { digest, mediaType, bytes };
  }

  /** HEAD of a manifest: its digest, type and size without the body; null when absent. */
  async headManifest(path: string, reference: string): Promise<{ digest: string | undefined; mediaType: string | undefined; size: number } | null> {
    const op = `head manifest ${this.domain}/${path}:${reference}`;
    const res = await this.exchange(op, [repositoryScope(path, ['pull'])], (b) => ({
      method: 'HEAD', url: this.url(b, `/v2/${path}/manifests/${reference}`), headers: { Accept: MANIFEST_ACCEPT },
    }));
    discard(res);
    if (res.status === 404) return null;
    if (res.status !== 200) await this.fail(op, res);
    const d = res.headers['docker-content-digest'];
    return { digest: typeof d === 'string' ? d : undefined, mediaType: res.headers['content-type']?.split(';')[0], size: Number(res.headers['content-length'] ?? 0) };
  }

  /** PUT a manifest under a tag or its digest; returns the digest the registry computed. */
  async putManifest(path: string, reference: string, bytes: Buffer, mediaType: string): Promise<string> {
    const op = `put manifest ${this.domain}/${path}:${reference}`;
    const digest = sha256(bytes);
    const res = await this.exchange(op, [repositoryScope(path, ['pull', 'push'])], (b) => ({
      method: 'PUT', url: this.url(b, `/v2/${path}/manifests/${reference}`), headers: { 'Content-Type': mediaType }, body: bytes,
    }));
    if (res.status !== 201 && res.status !== 200) await this.fail(op, res);
    discard(res);
    const announced = res.headers['docker-content-digest'];
    if (typeof announced === 'string' && announced !== digest) throw new RegistryDigestError(this.domain, op, digest, announced);
    return digest;
  }

  /** The size of a blob if the repository has it, else null. */
  async blobSize(path: string, digest: string, push = false): Promise<number | null> {
    const op = `head blob ${digest} in ${this.domain}/${path}`;
    const res = await this.exchange(op, [repositoryScope(path, push ? ['pull', 'push'] : ['pull'])], (b) => ({
      method: 'HEAD', url: this.url(b, `/v2/${path}/blobs/${digest}`),
    }));
    discard(res);
    if (res.status === 404) return null;
    if (res.status !== 200) await this.fail(op, res);
    return Number(res.headers['content-length'] ?? -1);
  }

  /** Downloads a blob into `writer` (resuming at writer.offset), restarting with a Range request
   * after a cut connection. The writer's commit verifies size and digest; a mismatch discards
   * the data and throws RegistryDigestError. The writer is always committed or aborted. */
  async fetchBlob(path: string, desc: { digest: string; size: number }, writer: BlobWriter, opts: BlobTransferOptions = {}): Promise<void> {
    if (writer.exists) return;
    const op = `get blob ${desc.digest} of ${this.domain}/${path}`;
    let stalls = 0;
    try {
      while (writer.offset < desc.size || desc.size === 0) {
        const from = writer.offset;
        const res = await this.exchange(op, [repositoryScope(path, ['pull'])], (b) => ({
          method: 'GET', url: this.url(b, `/v2/${path}/blobs/${desc.digest}`), headers: (from > 0 ? { Range: `bytes=${from}-` } : {}) as Record<string, string>,
        }));
        if (res.status === 416 && from === desc.size) { discard(res); break; }
        if (res.status !== 200 && res.status !== 206) await this.fail(op, res);
        // A 200 to a Range request carries the whole blob: skip what we already hold.
        let skip = 0;
        if (res.status === 200) skip = from;
        else {
          const m = /bytes (\d+)-/.exec(String(res.headers['content-range'] ?? ''));
          const start = m ? Number(m[1]) : from;
          if (start > from) { discard(res); throw new RegistryError(this.domain, op, `asked for bytes from ${from}, got a range starting at ${start}`); }
          skip = from - start;
        }
        try {
          for await (const raw of res.body as AsyncIterable<Buffer>) {
            let chunk = raw;
            if (skip > 0) {
              const n = Math.min(skip, chunk.length);
              skip -= n;
              chunk = chunk.subarray(n);
              if (chunk.length === 0) continue;
            }
            await writer.write(chunk);
            if (opts.onChunk) await opts.onChunk(chunk);
            opts.onBytes?.(chunk.length);
          }
          if (writer.offset < desc.size) {
            throw Object.assign(new Error(`connection ended at byte ${writer.offset} of ${desc.size}`), { code: 'BERTH_SHORT_BODY' });
          }
        } catch (e) {
          res.body.destroy();
          if (!isRetryableNetworkError(e)) throw e;
          // a cut after progress resumes at once; only attempts that moved no byte count
          // against the retry budget (retries: 0 turns resuming off)
          stalls = writer.offset > from ? 0 : stalls + 1;
          if (stalls > this.retries || this.retries === 0) throw new RegistryError(this.domain, op, `download failed at byte ${writer.offset} of ${desc.size}: ${(e as Error).message}`, { cause: e });
          await sleep(this.delay(Math.max(1, stalls)));
          continue;
        }
        break;
      }
      await writer.commit();
    } catch (e) {
      await writer.abort().catch(() => undefined);
      const ee = e as { name?: string; expected?: unknown; actual?: unknown };
      if (ee.name === 'DigestMismatchError') throw new RegistryDigestError(this.domain, op, String(ee.expected), String(ee.actual));
      if (ee.name === 'SizeMismatchError') throw new RegistryDigestError(this.domain, `${op} (size)`, `${String(ee.expected)} bytes`, `${String(ee.actual)} bytes`);
      throw e;
    }
  }

  /** Starts an upload session, or mounts the blob from `mountFrom` when the registry can.
   * Returns null when mounted, else the upload URL. */
  private async startUpload(path: string, digest: string, mountFrom: string | undefined): Promise<URL | null> {
    const op = `start upload of ${digest} to ${this.domain}/${path}`;
    const scopes = [repositoryScope(path, ['pull', 'push'])];
    if (mountFrom) scopes.push(repositoryScope(mountFrom, ['pull']));
    let b: Base | undefined;
    const res = await this.exchange(op, scopes, (base) => {
      b = base;
      const url = this.url(base, `/v2/${path}/blobs/uploads/`);
      if (mountFrom) { url.searchParams.set('mount', digest); url.searchParams.set('from', mountFrom); }
      return { method: 'POST', url, body: Buffer.alloc(0) };
    });
    discard(res);
    if (res.status === 201 && mountFrom) return null;
    if (res.status !== 202) await this.fail(op, res);
    const loc = res.headers.location;
    if (!loc) throw new RegistryError(this.domain, op, 'the registry gave no upload Location');
    return new URL(loc, b!.origin);
  }

  /** Uploads a blob read through `open(start, endInclusive)`. Skips nothing: call blobSize
   * first to skip blobs the repository has. Returns how it landed. */
  async uploadBlob(path: string, desc: { digest: string; size: number }, open: (start: number, end: number) => Readable, opts: UploadOptions = {}): Promise<'mounted' | 'uploaded'> {
    const op = `upload blob ${desc.digest} to ${this.domain}/${path}`;
    const scopes = [repositoryScope(path, ['pull', 'push'])];
    for (let attempt = 0; ; attempt++) {
      let sent = 0;
      const counted = (start: number, end: number) => () => {
        const s = open(start, end);
        s.on('data', (c: Buffer) => { sent += c.length; opts.onBytes?.(c.length); });
        return s;
      };
      try {
        let url = await this.startUpload(path, desc.digest, attempt === 0 ? opts.mountFrom : undefined);
        if (url === null) { opts.onBytes?.(desc.size); return 'mounted'; }
        const chunk = opts.chunkSize;
        if (chunk && desc.size > chunk) {
          for (let start = 0; start < desc.size; start += chunk) {
            const end = Math.min(desc.size, start + chunk) - 1;
            const target = url;
            const res = await this.exchange(`${op} (chunk ${start}-${end})`, scopes, () => ({
              method: 'PATCH', url: target, followRedirects: false, body: counted(start, end),
              headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': `${start}-${end}`, 'Content-Length': String(end - start + 1) },
            }), false);
            discard(res);
            if (res.status !== 202) await this.fail(`${op} (chunk ${start}-${end})`, res);
            if (res.headers.location) url = new URL(res.headers.location, url);
          }
          const done = new URL(url);
          done.searchParams.append('digest', desc.digest);
          const res = await this.exchange(`${op} (finish)`, scopes, () => ({ method: 'PUT', url: done, body: Buffer.alloc(0), followRedirects: false }), false);
          discard(res);
          if (res.status !== 201) await this.fail(`${op} (finish)`, res);
        } else {
          const done = new URL(url);
          done.searchParams.append('digest', desc.digest);
          const res = await this.exchange(op, scopes, () => ({
            method: 'PUT', url: done, followRedirects: false, body: counted(0, Math.max(0, desc.size - 1)),
            headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(desc.size) },
          }), false);
          discard(res);
          if (res.status !== 201) await this.fail(op, res);
        }
        return 'uploaded';
      } catch (e) {
        const cause = (e as { cause?: unknown }).cause;
        // a cut upload restarts from a fresh session (the old one may be half-written)
        const retry = (isRetryableNetworkError(e) || isRetryableNetworkError(cause)) && attempt < this.retries;
        if (!retry) throw e;
        opts.onBytes?.(-sent);
        await sleep(this.delay(attempt + 1));
      }
    }
  }

  /** Tag names of a repository, following Link pagination. */
  async listTags(path: string): Promise<string[]> {
    const op = `list tags of ${this.domain}/${path}`;
    const tags: string[] = [];
    let next: string | null = `/v2/${path}/tags/list`;
    while (next) {
      const target: string = next;
      const res = await this.exchange(op, [repositoryScope(path, ['pull'])], (b) => ({ method: 'GET', url: this.url(b, target) }));
      if (res.status !== 200) await this.fail(op, res);
      const j = JSON.parse((await readBody(res, 16 << 20)).toString('utf8')) as { tags?: string[] | null };
      tags.push(...(j.tags ?? []));
      const link = res.headers.link;
      const m = typeof link === 'string' ? /<([^>]+)>;\s*rel="?next"?/.exec(link) : null;
      next = m ? m[1] : null;
    }
    return tags;
  }
}
