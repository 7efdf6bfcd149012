// Registry authorisation: bearer tokens from the realm named in a WWW-Authenticate challenge
// (docker token spec: GET realm?service=…&scope=…, or the OAuth2 refresh-token POST when the
// login is an identity token), basic auth when the registry asks for it. Tokens are cached per
// scope set until shortly before they expire.
import type { Credentials } from '../auth/credentials.ts';
import { parseChallenges } from './challenge.ts';
import { parseErrorBody, RegistryAuthError } from './errors.ts';
import { readBody, send, type HttpResponse } from './transport.ts';

interface CachedToken { token: string; expiresAt: number }

/** The scope string of the token spec: `repository:library/busybox:pull,push`. */
export function repositoryScope(path: string, actions: ('pull' | 'push')[]): string {
  return `repository:${path}:${actions.join(',')}`;
}

export class Authorizer {
  readonly registry: string;
  private readonly getCredentials: () => Promise<Credentials | null>;
  private credentials: Promise<Credentials | null> | undefined;
  private bearer: { realm: string; service?: string } | undefined;
  private basic = false;
  private readonly tokens = new Map<string, CachedToken>();
  private readonly pending = new Map<string, Promise<CachedToken>>();
  private readonly insecureTLS: boolean;

  constructor(registry: string, getCredentials: () => Promise<Credentials | null>, insecureTLS = false) {
    this.registry = registry;
    this.getCredentials = getCredentials;
    this.insecureTLS = insecureTLS;
  }

  private creds(): Promise<Credentials | null> {
    this.credentials ??= this.getCredentials();
    return this.credentials;
  }

  /** The Authorization header for a request needing `scopes`, if the registry is known to want one. */
  async header(scopes: string[]): Promise<string | undefined> {
    if (this.basic) {
      const c = await this.creds();
      return c ? `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}` : undefined;
    }
    if (!this.bearer) return undefined;
    const t = await this.token(scopes);
    return `Bearer ${t.token}`;
  }

  /** Learns from a 401. Returns normally when a retry can succeed; throws RegistryAuthError when
   * it cannot (no credentials for basic auth, unknown scheme). */
  async challenged(res: HttpResponse, scopes: string[], operation: string, sent?: string): Promise<void> {
    const challenges = parseChallenges(res.headers['www-authenticate']);
    const b = challenges.find((c) => c.scheme === 'bearer');
    if (b && b.params.realm) {
      this.bearer = { realm: b.params.realm, service: b.params.service };
      this.basic = false;
      // the token this request carried was not enough (expired, revoked): forget it. A token
      // fetched meanwhile by a concurrent request stays.
      const key = scopes.join(' ');
      if (sent !== undefined && sent === `Bearer ${this.tokens.get(key)?.token}`) this.tokens.delete(key);
      return;
    }
    if (challenges.some((c) => c.scheme === 'basic')) {
      if (!(await this.creds())) {
        throw new RegistryAuthError(this.registry, operation, 'authentication required (basic auth): log in with `berth login ' + this.registry + '`', { status: 401 });
      }
      this.basic = true;
      return;
    }
    throw new RegistryAuthError(this.registry, operation, `unauthorized, and the registry sent no usable challenge (${String(res.headers['www-authenticate'] ?? 'none')})`, { status: 401 });
  }

  /** Describes why a request that was authorised is still refused, for the final error. */
  async refusal(operation: string, res: HttpResponse, detail: string): Promise<RegistryAuthError> {
    const c = await this.creds();
    const who = c ? (c.identityToken ? 'with an identity token' : `as user "${c.username}"`) : 'anonymously (no login found; use `berth login ' + this.registry + '`)';
    const what = res.status === 403 ? 'access denied' : 'unauthorized';
    return new RegistryAuthError(this.registry, operation, `${what} ${who}${detail ? `: ${detail}` : ''}`, { status: res.status });
  }

  private async token(scopes: string[]): Promise<CachedToken> {
    const key = scopes.join(' ');
    const have = this.tokens.get(key);
    if (have && have.expiresAt > Date.now() + 5_000) return have;
    let p = this.pending.get(key);
    if (!p) {
      p = this.fetchToken(scopes).finally(() => this.pending.delete(key));
      this.pending.set(key, p);
    }
    const t = await p;
    this.tokens.set(key, t);
    return t;
  }

  private async fetchToken(scopes: string[]): Promise<CachedToken> {
    const { realm, service } = this.bearer!;
    const c = await this.creds();
    const url = new URL(realm);
    let res: HttpResponse;
    if (c?.identityToken) {
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: c.identityToken, client_id: 'berth' });
      if (service) form.set('service', service);
      if (scopes.length) form.set('scope', scopes.join(' '));
      res = await send({ method: 'POST', url, insecureTLS: this.insecureTLS, headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: Buffer.from(form.toString()) });
    } else {
      if (service) url.searchParams.set('service', service);
      for (const s of scopes) url.searchParams.append('scope', s);
      const headers: Record<string, string> = {};
      if (c) headers.Authorization = `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;
      res = await send({ method: 'GET', url, insecureTLS: this.insecureTLS, headers });
    }
    const body = await readBody(res, 1 << 20);
    if (res.status === 401 || res.status === 403) {
      const who = c ? `credentials for "${c.username || 'identity token'}" were rejected` : 'anonymous access refused; log in with `berth login ' + this.registry + '`';
      throw new RegistryAuthError(this.registry, `token from ${url.origin}${url.pathname}`, `${who} (${parseErrorBody(body).text || res.status})`, { status: res.status });
    }
    if (res.status !== 200) {
      throw new RegistryAuthError(this.registry, `token from ${url.origin}${url.pathname}`, `HTTP ${res.status}: ${parseErrorBody(body).text}`, { status: res.status });
    }
    let j: { token?: unknown; access_token?: unknown; expires_in?: unknown; issued_at?: unknown };
    try {
      j = JSON.parse(body.toString('utf8')) as typeof j;
    } catch {
      throw new RegistryAuthError(this.registry, `token from ${url.origin}${url.pathname}`, 'the token server answered with something other than JSON');
    }
    const token = typeof j.token === 'string' && j.token ? j.token : typeof j.access_token === 'string' ? j.access_token : '';
    if (!token) throw new RegistryAuthError(this.registry, `token from ${url.origin}${url.pathname}`, 'the token server answered without a token');
    // the spec's default lifetime is 60 s when expires_in is absent
    const ttl = typeof j.expires_in === 'number' && j.expires_in > 0 ? j.expires_in : 60;
    return { token, expiresAt: Date.now() + ttl * 1000 };
  }
}
