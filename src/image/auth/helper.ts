// docker credential helpers: `docker-credential-<name> get|store|erase`, talking JSON on
// stdin/stdout (the protocol of github.com/docker/docker-credential-helpers).
import { spawn } from 'node:child_process';
import { CredentialsError, type Credentials } from './credentials.ts';

const NOT_FOUND = /credentials not found/i;
const TOKEN_USER = '<token>';

function run(program: string, action: string, input: string, timeoutMs: number): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, [action], { stdio: ['pipe', 'pipe', 'pipe'], timeout: timeoutMs });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    child.on('error', (e) => reject(new CredentialsError(program, `cannot run: ${e.message}`, { cause: e })));
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    child.stdin.on('error', () => { /* helper exited before reading: its exit status tells */ });
    child.stdin.end(input);
  });
}

/** Asks helper `name` for the login of `serverURL`; null when it has none. */
export async function helperGet(name: string, serverURL: string, timeoutMs = 10_000): Promise<Credentials | null> {
  const program = `docker-credential-${name}`;
  const r = await run(program, 'get', serverURL, timeoutMs);
  if (r.code !== 0) {
    const msg = (r.stdout + r.stderr).trim();
    if (NOT_FOUND.test(msg)) return null;
    throw new CredentialsError(program, `get ${serverURL} failed (exit ${r.code}): ${msg}`);
  }
  let parsed: { Username?: unknown; Secret?: unknown };
  try {
    parsed = JSON.parse(r.stdout) as typeof parsed;
  } catch (e) {
    throw new CredentialsError(program, `get ${serverURL} printed no JSON`, { cause: e });
  }
  const username = typeof parsed.Username === 'string' ? parsed.Username : '';
  const secret = typeof parsed.Secret === 'string' ? parsed.Secret : '';
  if (username === '' && secret === '') return null;
  if (username === TOKEN_USER) return { username: '', password: '', identityToken: secret };
  return { username, password: secret };
}

/** Stores a login with helper `name` (used by `berth login` when a credsStore is configured). */
export async function helperStore(name: string, serverURL: string, creds: Credentials, timeoutMs = 10_000): Promise<void> {
  const program = `docker-credential-${name}`;
  const body = JSON.stringify({ ServerURL: serverURL, Username: creds.identityToken ? TOKEN_USER : creds.username, Secret: creds.identityToken ?? creds.password });
  const r = await run(program, 'store', body, timeoutMs);
  if (r.code !== 0) throw new CredentialsError(program, `store ${serverURL} failed (exit ${r.code}): ${(r.stdout + r.stderr).trim()}`);
}

export async function helperErase(name: string, serverURL: string, timeoutMs = 10_000): Promise<void> {
  const program = `docker-credential-${name}`;
  const r = await run(program, 'erase', serverURL, timeoutMs);
  if (r.code !== 0 && !NOT_FOUND.test(r.stdout + r.stderr)) {
    throw new CredentialsError(program, `erase ${serverURL} failed (exit ${r.code}): ${(r.stdout + r.stderr).trim()}`);
  }
}
