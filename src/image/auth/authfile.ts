// Auth files in docker's config.json shape: berth's own login store and ~/.docker/config.json.
//
// berth's login store (written by `berth login`, read first on every registry request):
//   $BERTH_AUTH_FILE when set; else /etc/berth/auth.json for root; else
//   $XDG_CONFIG_HOME/berth/auth.json (default ~/.config/berth/auth.json).
// Its format is docker's: { "auths": { "<host>": { "auth": base64("user:password") } } },
// mode 0600, replaced atomically. docker's file is $DOCKER_CONFIG/config.json, default
// ~/.docker/config.json; berth only reads it.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { authKeyHost, CredentialsError, decodeAuthField, encodeAuthField, type Credentials } from './credentials.ts';

export interface AuthEntry { auth?: string; username?: string; password?: string; identitytoken?: string; registrytoken?: string }
export interface AuthFile {
  auths?: Record<string, AuthEntry>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
  [other: string]: unknown;
}

export function berthAuthFilePath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.BERTH_AUTH_FILE) return env.BERTH_AUTH_FILE;
  if (process.getuid?.() === 0) return '/etc/berth/auth.json';
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(base, 'berth', 'auth.json');
}

export function dockerConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  const dir = env.DOCKER_CONFIG || join(env.HOME || homedir(), '.docker');
  return join(dir, 'config.json');
}

/** Reads an auth file; a missing file is an empty one, a broken one an error naming it. */
export function readAuthFile(path: string): AuthFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new CredentialsError(path, `cannot read: ${(e as Error).message}`, { cause: e });
  }
  if (text.trim() === '') return {};
  try {
    const v = JSON.parse(text) as unknown;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not a JSON object');
    return v as AuthFile;
  } catch (e) {
    throw new CredentialsError(path, `not valid JSON: ${(e as Error).message}`, { cause: e });
  }
}

/** Finds the `auths` entry for `host` (keys compared after normalising scheme, path and the
 * docker hub aliases). */
export function findAuthEntry(file: AuthFile, host: string): { key: string; entry: AuthEntry } | null {
  const want = authKeyHost(host);
  for (const [key, entry] of Object.entries(file.auths ?? {})) {
    if (authKeyHost(key) === want) return { key, entry };
  }
  return null;
}

/** The credentials an `auths` entry holds, or null when it holds none (docker leaves `{}`
 * entries behind when a credsStore keeps the secret). */
export function entryCredentials(source: string, entry: AuthEntry): Credentials | null {
  if (entry.identitytoken) return { username: entry.username ?? '', password: '', identityToken: entry.identitytoken };
  if (entry.auth) return decodeAuthField(source, entry.auth);
  if (entry.username !== undefined && entry.password !== undefined) return { username: entry.username, password: entry.password };
  return null;
}

function writeAtomically(path: string, data: AuthFile): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(data, null, '\t') + '\n', { mode: 0o600 });
  renameSync(tmp, path);
}

/** Records a login in an auth file (berth's store by default), replacing any for that host. */
export function saveLogin(host: string, creds: Credentials, path = berthAuthFilePath()): void {
  const file = readAuthFile(path);
  const auths = { ...(file.auths ?? {}) };
  const old = findAuthEntry(file, host);
  if (old) delete auths[old.key];
  auths[authKeyHost(host) === 'docker.io' ? 'docker.io' : host] = creds.identityToken
    ? { identitytoken: creds.identityToken }
    : { auth: encodeAuthField(creds.username, creds.password) };
  writeAtomically(path, { ...file, auths });
}

/** Forgets the login for `host`; returns whether there was one. */
export function removeLogin(host: string, path = berthAuthFilePath()): boolean {
  const file = readAuthFile(path);
  const old = findAuthEntry(file, host);
  if (!old) return false;
  const auths = { ...(file.auths ?? {}) };
  delete auths[old.key];
  writeAtomically(path, { ...file, auths });
  return true;
}
