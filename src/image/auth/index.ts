// Where registry credentials come from, in order:
//   1. explicit credentials passed by the caller (`--creds`, CRI auth config),
//   2. berth's login store (see authfile.ts for its path),
//   3. docker's config.json: credHelpers[host], then credsStore, then the `auths` entry.
import { berthAuthFilePath, dockerConfigPath, entryCredentials, findAuthEntry, readAuthFile } from './authfile.ts';
import { authKeyFor, authKeyHost, type Credentials } from './credentials.ts';
import { helperGet } from './helper.ts';

export { authKeyFor, authKeyHost, CredentialsError, decodeAuthField, encodeAuthField, DOCKER_HUB_AUTH_KEY } from './credentials.ts';
export type { Credentials } from './credentials.ts';
export { berthAuthFilePath, dockerConfigPath, readAuthFile, saveLogin, removeLogin, findAuthEntry } from './authfile.ts';
export type { AuthFile, AuthEntry } from './authfile.ts';
export { helperGet, helperStore, helperErase } from './helper.ts';

export interface CredentialLookup {
  /** berth's store; default berthAuthFilePath(). */
  authFile?: string;
  /** docker's config.json; default dockerConfigPath(); `false` to skip it. */
  dockerConfig?: string | false;
}

/** Finds the login for a registry `host` (reference domain, e.g. `docker.io`, `h:5000`).
 * Returns null for anonymous access. Broken files or failing helpers throw CredentialsError. */
export async function lookupCredentials(host: string, opts: CredentialLookup = {}): Promise<Credentials | null> {
  const own = opts.authFile ?? berthAuthFilePath();
  const ownFile = readAuthFile(own);
  const mine = findAuthEntry(ownFile, host);
  if (mine) {
    const c = entryCredentials(own, mine.entry);
    if (c) return c;
  }
  if (opts.dockerConfig === false) return null;
  const dockerPath = opts.dockerConfig ?? dockerConfigPath();
  const docker = readAuthFile(dockerPath);
  const want = authKeyHost(host);
  for (const [key, helper] of Object.entries(docker.credHelpers ?? {})) {
    if (authKeyHost(key) === want) return helperGet(helper, want === 'docker.io' ? authKeyFor(host) : key);
  }
  if (docker.credsStore) {
    const found = findAuthEntry(docker, host);
    const c = await helperGet(docker.credsStore, found?.key ?? authKeyFor(host));
    if (c) return c;
  }
  const entry = findAuthEntry(docker, host);
  return entry ? entryCredentials(dockerPath, entry.entry) : null;
}
