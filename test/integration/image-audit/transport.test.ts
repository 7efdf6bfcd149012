// Transport defaults of `berth pull` end to end: loopback registries named `localhost:PORT` or
// `[::1]:PORT` are reached over plain HTTP with no configuration, and blob GETs answered by a
// connection reset are retried with a growing delay until they succeed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { startRegistry, startTokenServer, type RegistryInstance } from '../../helpers/registry.ts';
import { isRoot, makeTemp, removeTemp } from '../../helpers/rootfs.ts';
import { berthIn, expectCode } from '../image-cli/cli.ts';
import { checkBlobs, LAYER_TYPES, pushRawImage, startCountingProxy, tarOf, type PushedImage } from './support.ts';
import { gzipSync } from 'node:zlib';

const execFileP = promisify(execFile);
let tmp: string;
let reg: RegistryInstance;
let img: PushedImage;

before(async () => {
  if (!isRoot) return;
  tmp = makeTemp('berth-test-audit-transport-');
  reg = await startRegistry();
  const tar = await tarOf([{ entry: { name: 'hello', type: 'file', mode: 0o644 }, body: Buffer.from('hello\n') }]);
  img = await pushRawImage(reg.url, 'audit/small', 'v1', [{ data: gzipSync(tar), mediaType: LAYER_TYPES.gzip }], { Cmd: ['/hello'] });
});
after(async () => {
  await reg?.stop();
  if (tmp) removeTemp(tmp);
});

for (const [label, listen, name] of [['localhost', '127.0.0.1', 'localhost'], ['[::1]', '::1', '[::1]']] as const) {
  test(`${label}:PORT registries use plain HTTP without any configuration`, { skip: !isRoot && 'needs root' }, async (t) => {
    const proxy = await startCountingProxy(reg.host, { listen });
    t.after(() => proxy.stop());
    const port = proxy.host.slice(proxy.host.lastIndexOf(':') + 1);
    const berth = berthIn(join(tmp, label));
    const ref = `${name}:${port}/audit/small:v1`;
    const r = expectCode(await berth(['pull', ref]), 0, 'pull');
    assert.match(r.stdout, new RegExp(`Digest: ${img.manifestDigest}`));
    assert.ok(proxy.seen.some((s) => s.path.endsWith(`/blobs/${img.layers[0].digest}`) && s.status === 200), 'the layer came through the plain-HTTP listener');
    assert.equal(checkBlobs(berth.root).length, 3);
  });
}

test('blob GETs answered by connection resets are retried with backoff, then the pull succeeds', { skip: !isRoot && 'needs root' }, async (t) => {
  const proxy = await startCountingProxy(reg.host, { resetBlobGets: 3 });
  t.after(() => proxy.stop());
  const berth = berthIn(join(tmp, 'resets'));
  expectCode(await berth(['pull', '-q', `${proxy.host}/audit/small:v1`]), 0, 'pull');
  const gets = proxy.seen.filter((s) => s.method === 'GET' && s.path.includes('/blobs/'));
  assert.equal(gets.filter((g) => g.status === -1).length, 3, 'three resets');
  // the first blob GETs are reset; a digest's attempts are spaced by a growing delay
  const byDigest = new Map<string, number[]>();
  for (const g of gets) byDigest.set(g.path, [...(byDigest.get(g.path) ?? []), g.start]);
  const retried = [...byDigest.values()].filter((ts) => ts.length > 1);
  assert.ok(retried.length > 0);
  for (const ts of retried) {
    const gaps = ts.slice(1).map((x, i) => x - ts[i]);
    assert.ok(gaps[0] >= 150, `first retry after a delay: ${gaps}`);
    for (let i = 1; i < gaps.length; i++) assert.ok(gaps[i] > gaps[i - 1], `delays grow (doubling, ±25% jitter): ${gaps}`);
  }
  assert.equal(checkBlobs(berth.root).length, 3);
});

test('registries.json "insecure": a non-loopback name falls back to plain HTTP only when listed', { skip: !isRoot && 'needs root' }, async () => {
  // 0.0.0.0 reaches the loopback listener but is not classed as loopback (like a LAN registry)
  const host = `0.0.0.0:${reg.port}`;
  const dir = join(tmp, 'insecure');
  const berth = berthIn(dir);
  const refused = await berth(['pull', '-q', `${host}/audit/small:v1`]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, new RegExp(`https://${host.replace(/\./g, '\\.')}`));
  writeFileSync(join(dir, 'registries.json'), JSON.stringify({ insecure: [host] }));
  expectCode(await berth(['pull', '-q', `${host}/audit/small:v1`]), 0, 'pull from a listed insecure registry');
  assert.equal(checkBlobs(berth.root).length, 3);
});

test('bearer auth through the CLI: berth login, then pull asks the realm with service and scope', { skip: !isRoot && 'needs root' }, async (t) => {
  const tokens = await startTokenServer({ users: { alice: 'wonderland' } });
  t.after(() => tokens.stop());
  const treg = await startRegistry({ token: tokens.config });
  t.after(() => treg.stop());
  await pushRawImage(reg.url, 'audit/token', 'v1', [{ data: gzipSync(await tarOf([{ entry: { name: 't', type: 'file' }, body: Buffer.from('t') }])), mediaType: LAYER_TYPES.gzip }]);
  // copy it into the token registry as alice (skopeo asks the token server too)
  await execFileP('skopeo', ['copy', '--src-tls-verify=false', '--dest-tls-verify=false', '--dest-creds', 'alice:wonderland', `docker://${reg.host}/audit/token:v1`, `docker://${treg.host}/alice/app:v1`]);
  const berth = berthIn(join(tmp, 'token'));
  const anon = await berth(['pull', '-q', `${treg.host}/alice/app:v1`]);
  assert.equal(anon.code, 1);
  assert.match(anon.stderr, /anonymous/i);
  expectCode(await berth(['login', '-u', 'alice', '--password-stdin', treg.host], { input: 'wonderland\n' }), 0, 'login');
  const before = tokens.requests.length;
  expectCode(await berth(['pull', '-q', `${treg.host}/alice/app:v1`]), 0, 'pull');
  const asked = tokens.requests.slice(before);
  assert.ok(asked.length >= 1);
  for (const r of asked) {
    assert.equal(r.user, 'alice');
    assert.equal(r.service, tokens.config.service, 'the challenge\'s service is sent back');
    assert.deepEqual(r.scopes, ['repository:alice/app:pull']);
  }
});
