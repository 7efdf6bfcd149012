// Authentication against real registries: htpasswd basic auth and bearer tokens from a token
// server the registry trusts (JWT signed with a self-signed certificate in its rootcertbundle).
// Credentials come from berth's login store and docker's config.json, and refusals are clear.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { saveLogin } from '../../../src/image/auth/authfile.ts';
import { lookupCredentials } from '../../../src/image/auth/index.ts';
import { login, logout } from '../../../src/image/login.ts';
import { pull } from '../../../src/image/pull.ts';
import { push } from '../../../src/image/push.ts';
import { RegistryClient } from '../../../src/image/registry/client.ts';
import { RegistryAuthError } from '../../../src/image/registry/errors.ts';
import { FileContentStore } from '../../../src/image/store/content.ts';
import { buildOciLayout, loadLayoutIntoStore, skopeoInspectRaw, skopeoPush, type BuiltLayout } from '../../helpers/images.ts';
import { digestOf, startRegistry, startTokenServer, type RegistryInstance, type TokenServer } from '../../helpers/registry.ts';
import { makeTemp, removeTemp } from '../../helpers/rootfs.ts';

let tmp: string;
let img: BuiltLayout;
let basicReg: RegistryInstance;
let tokenReg: RegistryInstance;
let tokens: TokenServer;
const registries = { insecure: [] };

before(async () => {
  tmp = makeTemp('berth-auth-');
  img = buildOciLayout(join(tmp, 'img'), { tag: 'v1', busybox: false });
  basicReg = await startRegistry({ htpasswd: { alice: 'wonderland' } });
  tokens = await startTokenServer({ users: { bob: 'builder' }, anonymousPull: false, refreshTokens: { 'bob-refresh-token': 'bob' } });
  tokenReg = await startRegistry({ token: tokens.config });
});

after(async () => {
  await basicReg?.stop();
  await tokenReg?.stop();
  await tokens?.stop();
  if (tmp) removeTemp(tmp);
});

let n = 0;
const store = () => new FileContentStore(join(tmp, `store${n++}`));

test('basic auth: push and pull with credentials from berth login store; skopeo agrees', async () => {
  const authFile = join(tmp, 'berth-auth.json');
  saveLogin(basicReg.host, { username: 'alice', password: 'wonderland' }, authFile);
  const creds = await lookupCredentials(basicReg.host, { authFile, dockerConfig: false });
  assert.deepEqual(creds, { username: 'alice', password: 'wonderland' });
  const s = store();
  await loadLayoutIntoStore(img, s);
  const p = await push(img.digest, `${basicReg.host}/team/app:v1`, { store: s, credentials: creds, registries });
  assert.equal(p.digest, img.digest);
  assert.equal(digestOf(await skopeoInspectRaw(`${basicReg.host}/team/app:v1`, 'alice:wonderland')), img.digest);
  const r = await pull(`${basicReg.host}/team/app:v1`, { store: store(), credentials: creds, registries });
  assert.equal(r.digest, img.digest);
});

test('basic auth: no credentials and wrong password are clear errors', async () => {
  await assert.rejects(pull(`${basicReg.host}/team/app:v1`, { store: store(), credentials: null, registries }),
    (e: unknown) => e instanceof RegistryAuthError && /authentication required/.test(e.message) && e.message.includes(basicReg.host));
  await assert.rejects(pull(`${basicReg.host}/team/app:v1`, { store: store(), credentials: { username: 'alice', password: 'nope' }, registries }),
    (e: unknown) => e instanceof RegistryAuthError && e.status === 401 && /as user "alice"/.test(e.message));
});

test('bearer tokens: credentials from docker config.json, token cached per scope', async () => {
  const dockerDir = join(tmp, 'docker');
  mkdirSync(dockerDir, { recursive: true });
  const cfg = join(dockerDir, 'config.json');
  writeFileSync(cfg, JSON.stringify({ auths: { [`http://${tokenReg.host}/v2/`]: { auth: Buffer.from('bob:builder').toString('base64') } } }));
  const creds = await lookupCredentials(tokenReg.host, { authFile: join(tmp, 'none.json'), dockerConfig: cfg });
  assert.deepEqual(creds, { username: 'bob', password: 'builder' });
  const s = store();
  await loadLayoutIntoStore(img, s);
  const before = tokens.requests.length;
  const client = new RegistryClient({ domain: tokenReg.host, credentials: creds, registries });
  const p = await push(img.digest, `${tokenReg.host}/bob/app:v1`, { store: s, client });
  assert.equal(p.digest, img.digest);
  const pushReqs = tokens.requests.slice(before);
  assert.ok(pushReqs.length >= 1 && pushReqs.every((r) => r.user === 'bob'));
  assert.ok(pushReqs.some((r) => r.scopes.includes('repository:bob/app:pull,push')));
  // one token for the push scope served every blob and manifest request
  assert.equal(pushReqs.filter((r) => r.scopes.join(' ') === 'repository:bob/app:pull,push').length, 1);
  const r = await pull(`${tokenReg.host}/bob/app:v1`, { store: store(), client });
  assert.equal(r.digest, img.digest);
});

test('bearer tokens: anonymous without access and rejected credentials fail clearly', async () => {
  await assert.rejects(pull(`${tokenReg.host}/bob/app:v1`, { store: store(), credentials: null, registries }),
    (e: unknown) => e instanceof RegistryAuthError && /anonymously/.test(e.message) && /berth login/.test(e.message));
  await assert.rejects(pull(`${tokenReg.host}/bob/app:v1`, { store: store(), credentials: { username: 'bob', password: 'bad' }, registries }),
    (e: unknown) => e instanceof RegistryAuthError && /credentials for "bob" were rejected/.test(e.message));
});

test('credential helpers: docker-credential-<name> from credHelpers', async () => {
  const bin = join(tmp, 'bin');
  mkdirSync(bin, { recursive: true });
  const helper = join(bin, 'docker-credential-berthtest');
  writeFileSync(helper, `#!/bin/sh\nread url\nif [ "$1" = get ] && [ "$url" = "${tokenReg.host}" ]; then echo '{"ServerURL":"'$url'","Username":"bob","Secret":"builder"}'; exit 0; fi\necho "credentials not found in native keychain"; exit 1\n`);
  chmodSync(helper, 0o755);
  const cfg = join(tmp, 'helper-config.json');
  writeFileSync(cfg, JSON.stringify({ credHelpers: { [tokenReg.host]: 'berthtest' }, credsStore: 'berthtest' }));
  const oldPath = process.env.PATH;
  process.env.PATH = `${bin}:${oldPath}`;
  try {
    const none = join(tmp, 'none.json');
    assert.deepEqual(await lookupCredentials(tokenReg.host, { authFile: none, dockerConfig: cfg }), { username: 'bob', password: 'builder' });
    // the credsStore answers "not found" for other hosts
    assert.equal(await lookupCredentials('other.example:5000', { authFile: none, dockerConfig: cfg }), null);
    const r = await pull(`${tokenReg.host}/bob/app:v1`, { store: store(), client: new RegistryClient({ domain: tokenReg.host, credentials: () => lookupCredentials(tokenReg.host, { authFile: none, dockerConfig: cfg }), registries }) });
    assert.equal(r.digest, img.digest);
  } finally {
    process.env.PATH = oldPath;
  }
});

test('skopeo-pushed image behind token auth pulls with berth', async () => {
  const multi = buildOciLayout(join(tmp, 'tok-multi'), { tag: 'm', busybox: false, platforms: [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm', variant: 'v7' }] });
  await skopeoPush(multi, `${tokenReg.host}/bob/multi:m`, 'bob:builder');
  const r = await pull(`${tokenReg.host}/bob/multi:m`, { store: store(), platform: 'linux/arm/v7', credentials: { username: 'bob', password: 'builder' }, registries });
  assert.equal(r.digest, multi.digest);
  assert.equal(r.manifestDigest, multi.manifests[1].digest);
});

test('identity tokens (docker config identitytoken) use the OAuth2 refresh-token grant', async () => {
  const cfg = join(tmp, 'idtoken-config.json');
  writeFileSync(cfg, JSON.stringify({ auths: { [tokenReg.host]: { identitytoken: 'bob-refresh-token' } } }));
  const creds = await lookupCredentials(tokenReg.host, { authFile: join(tmp, 'none.json'), dockerConfig: cfg });
  const before = tokens.requests.length;
  const r = await pull(`${tokenReg.host}/bob/app:v1`, { store: store(), credentials: creds, registries });
  assert.equal(r.digest, img.digest);
  assert.ok(tokens.requests.slice(before).some((x) => x.user === 'bob' && x.scopes.includes('repository:bob/app:pull')));
  await assert.rejects(pull(`${tokenReg.host}/bob/app:v1`, { store: store(), credentials: { username: '', password: '', identityToken: 'stolen' }, registries }),
    (e: unknown) => e instanceof RegistryAuthError && /rejected/.test(e.message));
});

test('login checks credentials with the registry before storing them (basic and bearer)', async () => {
  for (const [reg, user, pass] of [[basicReg, 'alice', 'wonderland'], [tokenReg, 'bob', 'builder']] as const) {
    const f = join(tmp, `login-${reg.port}.json`);
    await assert.rejects(login(reg.host, { username: user, password: 'wrong' }, { authFile: f, registries }), RegistryAuthError);
    assert.equal(await lookupCredentials(reg.host, { authFile: f, dockerConfig: false }), null, 'a refused login is not stored');
    await login(reg.host, { username: user, password: pass }, { authFile: f, registries });
    assert.deepEqual(await lookupCredentials(reg.host, { authFile: f, dockerConfig: false }), { username: user, password: pass });
    assert.equal(logout(reg.host, { authFile: f }), true);
    assert.equal(await lookupCredentials(reg.host, { authFile: f, dockerConfig: false }), null);
  }
});
