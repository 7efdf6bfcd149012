// `login` and `logout` as the CLI takes them: a server written any way docker accepts
// (`host:port`, `http://host:port/v2/`, docker hub's aliases, nothing for docker.io), then
// login.ts checks the login against the registry and keeps it in berth's login store.
import { authKeyHost, type Credentials } from '../auth/index.ts';
import { login, logout, type LoginOptions } from '../login.ts';
import { DEFAULT_DOMAIN } from '../reference.ts';
import { InvalidImageArgumentError } from './errors.ts';

/** `https://h:5000/v2/` → `h:5000`; empty or docker hub aliases → `docker.io`. */
export function registryDomain(server: string | undefined): string {
  if (!server) return DEFAULT_DOMAIN;
  const stripped = server.trim().replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '');
  if (!stripped) throw new InvalidImageArgumentError('server', `invalid registry address "${server}"`);
  return authKeyHost(stripped) === DEFAULT_DOMAIN ? DEFAULT_DOMAIN : stripped.toLowerCase();
}

/** Verifies `creds` against `server` and stores them; returns the registry domain. */
export async function loginRegistry(server: string | undefined, creds: Credentials, opts: LoginOptions = {}): Promise<string> {
  if (!creds.username && !creds.identityToken) throw new InvalidImageArgumentError('username', 'Username is required');
  if (!creds.password && !creds.identityToken) throw new InvalidImageArgumentError('password', 'Password is required');
  const domain = registryDomain(server);
  await login(domain, creds, opts);
  return domain;
}

/** Forgets the login for `server`; returns the domain and whether there was one. */
export function logoutRegistry(server: string | undefined, opts: { authFile?: string } = {}): { domain: string; removed: boolean } {
  const domain = registryDomain(server);
  return { domain, removed: logout(domain, opts) };
}
