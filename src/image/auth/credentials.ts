// What a registry login is, and how config files key it by host.

/** A login for one registry: a username and password (or token as password), or an identity
 * token (an OAuth2 refresh token, exchanged at the token realm). */
export interface Credentials {
  username: string;
  password: string;
  /** docker's `identitytoken` / helper `<token>` user: use the refresh-token grant. */
  identityToken?: string;
}

/** An auth file or helper that could not be read or returned nonsense. */
export class CredentialsError extends Error {
  readonly source: string;
  constructor(source: string, message: string, options?: { cause?: unknown }) {
    super(`${source}: ${message}`, options);
    this.name = 'CredentialsError';
    this.source = source;
  }
}

/** docker keeps docker.io logins under its v1 index URL; every other registry under its host. */
export const DOCKER_HUB_AUTH_KEY = 'https://index.docker.io/v1/';

/** The host a config key names: `https://host:5000/v2/` → `host:5000`; the docker hub keys
 * (`index.docker.io`, `registry-1.docker.io`, its v1 URL) → `docker.io`. */
export function authKeyHost(key: string): string {
  let h = key.trim().replace(/^[a-z]+:\/\//i, '');
  const slash = h.indexOf('/');
  if (slash !== -1) h = h.slice(0, slash);
  h = h.toLowerCase();
  if (h === 'index.docker.io' || h === 'registry-1.docker.io' || h === 'registry.hub.docker.com') return 'docker.io';
  return h;
}

/** The key under which docker would store a login for `host` (reference domain form). */
export function authKeyFor(host: string): string {
  return authKeyHost(host) === 'docker.io' ? DOCKER_HUB_AUTH_KEY : host;
}

/** Decodes an `auth` field: base64 of `user:password`. */
export function decodeAuthField(source: string, auth: string): { username: string; password: string } {
  const text = Buffer.from(auth, 'base64').toString('utf8');
  const i = text.indexOf(':');
  if (i <= 0) throw new CredentialsError(source, 'an "auth" entry is not base64 of "user:password"');
  return { username: text.slice(0, i), password: text.slice(i + 1) };
}

export function encodeAuthField(username: string, password: string): string {
  return Buffer.from(`${username}:${password}`, 'utf8').toString('base64');
}
