// `login` and `logout`: check a login against the registry (GET /v2/ with it, which fetches a
// token where the registry uses bearer auth), then keep it in berth's login store.
import { authKeyHost, berthAuthFilePath, removeLogin, saveLogin, type Credentials } from '../auth/index.ts';
import { DEFAULT_DOMAIN } from '../reference.ts';
import { RegistryClient } from '../registry/client.ts';
import type { RegistriesConfig } from '../registry/config.ts';
import { InvalidImageArgumentError } from './errors.ts';

export interface LoginOptions {
  /** berth's login store; default berthAuthFilePath(). */
  authFile?: string;
  registries?: RegistriesConfig;
}

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
  await new RegistryClient({ domain, credentials: creds, registries: opts.registries }).ping();
  saveLogin(domain, creds, opts.authFile ?? berthAuthFilePath());
  return domain;
}

/** Forgets the login for `server`; returns the domain and whether there was one. */
export function logoutRegistry(server: string | undefined, opts: { authFile?: string } = {}): { domain: string; removed: boolean } {
  const domain = registryDomain(server);
  return { domain, removed: removeLogin(domain, opts.authFile ?? berthAuthFilePath()) };
}
