// `berth login` / `berth logout`: check a login against the registry, then keep it in berth's
// login store (auth/authfile.ts documents where).
import { berthAuthFilePath, removeLogin, saveLogin } from './auth/authfile.ts';
import type { Credentials } from './auth/credentials.ts';
import { RegistryClient } from './registry/client.ts';
import type { RegistriesConfig } from './registry/config.ts';

export interface LoginOptions {
  /** Where to store it; default berthAuthFilePath(). */
  authFile?: string;
  registries?: RegistriesConfig;
}

/** Verifies `creds` with the registry (GET /v2/, answering its basic or bearer challenge with
 * them) and stores them. Throws RegistryAuthError, without storing, when they are refused. */
export async function login(domain: string, creds: Credentials, opts: LoginOptions = {}): Promise<void> {
  const client = new RegistryClient({ domain, credentials: creds, registries: opts.registries });
  await client.ping();
  saveLogin(domain, creds, opts.authFile ?? berthAuthFilePath());
}

/** Forgets the stored login for `domain`; returns whether there was one. */
export function logout(domain: string, opts: { authFile?: string } = {}): boolean {
  return removeLogin(domain, opts.authFile ?? berthAuthFilePath());
}
