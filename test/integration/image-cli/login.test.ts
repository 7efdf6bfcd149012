// berth login / pull / logout against a registry behind htpasswd basic auth: the login is
// checked before it is stored, pulls use the stored login, and without it the error says
// what to do.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { buildOciLayout, skopeoPush, type BuiltLayout } from '../../helpers/images.ts';
import { startRegistry, type RegistryInstance } from '../../helpers/registry.ts';
import { isRoot, makeTemp, removeTemp } from '../../helpers/rootfs.ts';
import { berthIn, expectCode } from './cli.ts';

let tmp: string;
let reg: RegistryInstance;
let img: BuiltLayout;

before(async () => {
  if (!isRoot) return;
  tmp = makeTemp('berth-test-imagelogin-');
  reg = await startRegistry({ htpasswd: { alice: 'wonderland' } });
  img = buildOciLayout(join(tmp, 'img'), { tag: 'v1', busybox: false });
  await skopeoPush(img, `${reg.host}/berth-test/private:v1`, 'alice:wonderland');
});
after(async () => {
  await reg?.stop();
  if (tmp) removeTemp(tmp);
});

test('login (checked, stored 0600) → pull with it → logout → pull refused', { skip: !isRoot && 'needs root' }, async () => {
  const berth = berthIn(join(tmp, 'a'));
  const ref = `${reg.host}/berth-test/private:v1`;

  const anon = await berth(['pull', ref]);
  assert.equal(anon.code, 1);
  assert.match(anon.stderr, /authentication required/);
  assert.match(anon.stderr, new RegExp(`berth login ${reg.host.replace(/\./g, '\\.')}`));

  const wrong = await berth(['login', '-u', 'alice', '--password-stdin', reg.host], { input: 'nope\n' });
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /unauthorized as user "alice"/);
  assert.ok(!existsSync(berth.authFile), 'a refused login is not stored');

  const ok = expectCode(await berth(['login', '-u', 'alice', '--password-stdin', `http://${reg.host}/v2/`], { input: 'wonderland\n' }), 0, 'login');
  assert.equal(ok.stdout, 'Login Succeeded\n');
  const stored = JSON.parse(readFileSync(berth.authFile, 'utf8')) as { auths: Record<string, { auth: string }> };
  assert.deepEqual(Object.keys(stored.auths), [reg.host]);
  assert.equal(Buffer.from(stored.auths[reg.host].auth, 'base64').toString(), 'alice:wonderland');
  assert.equal(statSync(berth.authFile).mode & 0o777, 0o600);

  const p = expectCode(await berth(['pull', '-q', ref]), 0, 'pull with the stored login');
  assert.equal(p.stdout, `${ref}\n`);
  assert.equal(expectCode(await berth(['images', '-q', '--no-trunc']), 0, 'images').stdout, `${img.manifests[0].configDigest}\n`);

  // push too uses it
  expectCode(await berth(['tag', ref, `${reg.host}/berth-test/private:v2`]), 0, 'tag');
  expectCode(await berth(['push', '-q', `${reg.host}/berth-test/private:v2`]), 0, 'push with the stored login');

  assert.equal(expectCode(await berth(['logout', reg.host]), 0, 'logout').stdout, `Removing login credentials for ${reg.host}\n`);
  assert.equal(expectCode(await berth(['logout', reg.host]), 0, 'logout again').stdout, `Not logged in to ${reg.host}\n`);
  expectCode(await berth(['rmi', ref, `${reg.host}/berth-test/private:v2`]), 0, 'rmi');
  const after = await berth(['pull', ref]);
  assert.equal(after.code, 1);
  assert.match(after.stderr, /authentication required \(basic auth\): log in with `berth login/);

  const noUser = await berth(['login', '--password-stdin', reg.host], { input: 'x\n' });
  assert.equal(noUser.code, 1);
  assert.match(noUser.stderr, /Must provide --username with --password-stdin/);
});
