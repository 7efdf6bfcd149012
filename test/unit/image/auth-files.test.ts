import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { authKeyHost, berthAuthFilePath, CredentialsError, dockerConfigPath, lookupCredentials, readAuthFile, removeLogin, saveLogin } from '../../../src/image/auth/index.ts';

function withDir(fn: (d: string) => Promise<void> | void) {
  return async () => {
    const d = mkdtempSync(join(tmpdir(), 'berth-unit-auth-'));
    try { await fn(d); } finally { rmSync(d, { recursive: true, force: true }); }
  };
}

test('auth keys normalise scheme, path and docker hub aliases', () => {
  assert.equal(authKeyHost('https://index.docker.io/v1/'), 'docker.io');
  assert.equal(authKeyHost('registry-1.docker.io'), 'docker.io');
  assert.equal(authKeyHost('http://Reg.Example:5000/v2/'), 'reg.example:5000');
  assert.equal(authKeyHost('quay.io'), 'quay.io');
});

test('file locations follow the environment', () => {
  assert.equal(berthAuthFilePath({ BERTH_AUTH_FILE: '/x/a.json' }), '/x/a.json');
  assert.equal(dockerConfigPath({ DOCKER_CONFIG: '/d' }), '/d/config.json');
  assert.equal(dockerConfigPath({ HOME: '/home/u' }), '/home/u/.docker/config.json');
  if (process.getuid?.() === 0) assert.equal(berthAuthFilePath({}), '/etc/berth/auth.json');
  else assert.equal(berthAuthFilePath({ XDG_CONFIG_HOME: '/c' }), '/c/berth/auth.json');
});

test('berth login store: save, look up, replace, remove; mode 0600', withDir(async (d) => {
  const f = join(d, 'sub', 'auth.json');
  saveLogin('reg.example:5000', { username: 'u', password: 'p:w' }, f);
  assert.equal(statSync(f).mode & 0o777, 0o600);
  assert.deepEqual(await lookupCredentials('reg.example:5000', { authFile: f, dockerConfig: false }), { username: 'u', password: 'p:w' });
  saveLogin('https://reg.example:5000/v2/', { username: 'v', password: 'q' }, f);
  const file = readAuthFile(f);
  assert.equal(Object.keys(file.auths ?? {}).length, 1, 'a second login for one host replaces the first');
  assert.deepEqual(await lookupCredentials('reg.example:5000', { authFile: f, dockerConfig: false }), { username: 'v', password: 'q' });
  saveLogin('docker.io', { username: 'hub', password: 'x' }, f);
  assert.deepEqual(await lookupCredentials('docker.io', { authFile: f, dockerConfig: false }), { username: 'hub', password: 'x' });
  assert.equal(removeLogin('reg.example:5000', f), true);
  assert.equal(removeLogin('reg.example:5000', f), false);
  assert.equal(await lookupCredentials('reg.example:5000', { authFile: f, dockerConfig: false }), null);
}));

test('docker config.json: auths with base64, identity tokens, berth store first', withDir(async (d) => {
  const cfg = join(d, 'config.json');
  writeFileSync(cfg, JSON.stringify({ auths: {
    'https://index.docker.io/v1/': { auth: Buffer.from('dock:er').toString('base64') },
    'tok.example': { identitytoken: 'refresh-me' },
    'empty.example': {},
  } }));
  const none = join(d, 'none.json');
  assert.deepEqual(await lookupCredentials('docker.io', { authFile: none, dockerConfig: cfg }), { username: 'dock', password: 'er' });
  assert.deepEqual(await lookupCredentials('tok.example', { authFile: none, dockerConfig: cfg }), { username: '', password: '', identityToken: 'refresh-me' });
  assert.equal(await lookupCredentials('empty.example', { authFile: none, dockerConfig: cfg }), null);
  assert.equal(await lookupCredentials('other.example', { authFile: none, dockerConfig: cfg }), null);
  const own = join(d, 'own.json');
  saveLogin('docker.io', { username: 'mine', password: 'm' }, own);
  assert.deepEqual(await lookupCredentials('docker.io', { authFile: own, dockerConfig: cfg }), { username: 'mine', password: 'm' });
}));

test('broken files and bad auth fields are errors naming the file', withDir(async (d) => {
  const bad = join(d, 'bad.json');
  writeFileSync(bad, '{"auths": ');
  assert.throws(() => readAuthFile(bad), (e: unknown) => e instanceof CredentialsError && e.source === bad);
  const badAuth = join(d, 'badauth.json');
  writeFileSync(badAuth, JSON.stringify({ auths: { 'a.example': { auth: Buffer.from('nocolon').toString('base64') } } }));
  await assert.rejects(lookupCredentials('a.example', { authFile: badAuth, dockerConfig: false }), (e: unknown) => e instanceof CredentialsError && /user:password/.test(e.message));
  assert.deepEqual(JSON.parse(readFileSync(badAuth, 'utf8')).auths['a.example'].auth, Buffer.from('nocolon').toString('base64'));
}));

test('a missing credential helper is a clear error', withDir(async (d) => {
  const cfg = join(d, 'config.json');
  writeFileSync(cfg, JSON.stringify({ credHelpers: { 'h.example': 'berth-no-such-helper' } }));
  await assert.rejects(lookupCredentials('h.example', { authFile: join(d, 'none'), dockerConfig: cfg }),
    (e: unknown) => e instanceof CredentialsError && /docker-credential-berth-no-such-helper/.test(e.message));
}));
