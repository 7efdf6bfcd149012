// Faults between berth and a real registry, injected by a loopback proxy: a connection cut
// mid-blob (resumed with Range), a partial download left by a failed pull (resumed by the
// next), corrupted bytes (refused, nothing stored), and 503s (retried with backoff).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pull } from '../../../src/image/pull.ts';
import { RegistryClient } from '../../../src/image/registry/client.ts';
import { RegistryDigestError, RegistryError } from '../../../src/image/registry/errors.ts';
import { FileContentStore } from '../../../src/image/store/content.ts';
import { buildOciLayout, loadLayoutIntoStore, skopeoInspectRaw, skopeoPush, type BuiltLayout } from '../../helpers/images.ts';
import { push } from '../../../src/image/push.ts';
import { digestOf, startRegistry, startRegistryProxy, type RegistryInstance } from '../../helpers/registry.ts';
import { makeTemp, removeTemp } from '../../helpers/rootfs.ts';
import { readFileSync } from 'node:fs';

let tmp: string;
let reg: RegistryInstance;
let img: BuiltLayout;
const registries = { insecure: [] };

before(async () => {
  tmp = makeTemp('berth-faults-');
  reg = await startRegistry();
  img = buildOciLayout(join(tmp, 'img'), { tag: 'v1' });
  await skopeoPush(img, `${reg.host}/f/img:v1`);
});

after(async () => {
  await reg?.stop();
  if (tmp) removeTemp(tmp);
});

let n = 0;
const newStore = () => new FileContentStore(join(tmp, `store${n++}`));
const bigLayer = () => img.manifests[0].layers.reduce((a, b) => (a.size > b.size ? a : b));

test('a connection cut mid-blob is resumed with a Range request', async (t) => {
  const proxy = await startRegistryProxy(reg.host, { cutBlobAfter: 200_000 });
  t.after(() => proxy.stop());
  const s = newStore();
  const r = await pull(`${proxy.host}/f/img:v1`, { store: s, credentials: null, registries, client: new RegistryClient({ domain: proxy.host, credentials: null, registries, retryDelayMs: 10 }) });
  assert.equal(r.digest, img.digest);
  assert.equal(proxy.cuts, 1);
  const layer = bigLayer();
  const gets = proxy.seen.filter((x) => x.method === 'GET' && x.path.endsWith(layer.digest));
  assert.equal(gets.length, 2, JSON.stringify(gets));
  assert.equal(gets[0].range, undefined);
  const m = /^bytes=(\d+)-$/.exec(gets[1].range ?? '');
  assert.ok(m && Number(m[1]) > 0 && Number(m[1]) <= 200_000, `resumed with ${gets[1].range}`);
  assert.equal(gets[1].status, 206);
  assert.equal(digestOf(readFileSync(s.path(layer.digest))), layer.digest);
});

test('a pull that failed mid-blob leaves a partial download the next pull resumes', async (t) => {
  const cutting = await startRegistryProxy(reg.host, { cutBlobAfter: 300_000 });
  t.after(() => cutting.stop());
  const s = newStore();
  const layer = bigLayer();
  await assert.rejects(
    pull(`${cutting.host}/f/img:v1`, { store: s, concurrency: 1, client: new RegistryClient({ domain: cutting.host, credentials: null, registries, retries: 0 }) }),
    (e: unknown) => e instanceof RegistryError && /download failed at byte/.test(e.message) && e.message.includes(layer.digest));
  assert.equal(await s.has(layer.digest), false);
  assert.equal(await s.has(img.digest), false, 'no manifest is stored for a failed pull');
  const watching = await startRegistryProxy(reg.host);
  t.after(() => watching.stop());
  const r = await pull(`${watching.host}/f/img:v1`, { store: s, client: new RegistryClient({ domain: watching.host, credentials: null, registries }) });
  assert.equal(r.digest, img.digest);
  const get = watching.seen.find((x) => x.method === 'GET' && x.path.endsWith(layer.digest));
  assert.match(get?.range ?? '', /^bytes=[1-9]\d*-$/);
  assert.equal(digestOf(readFileSync(s.path(layer.digest))), layer.digest);
});

test('corrupted blob bytes are refused with a clear error and nothing is stored', async (t) => {
  const proxy = await startRegistryProxy(reg.host, { corruptBlobs: true });
  t.after(() => proxy.stop());
  const s = newStore();
  await assert.rejects(pull(`${proxy.host}/f/img:v1`, { store: s, client: new RegistryClient({ domain: proxy.host, credentials: null, registries }) }),
    (e: unknown) => e instanceof RegistryDigestError && e.message.includes(proxy.host) && /does not match/.test(e.message));
  for (const l of [...img.manifests[0].layers, { digest: img.manifests[0].configDigest }, { digest: img.digest }]) {
    assert.equal(await s.has(l.digest), false, `${l.digest} must not be stored`);
  }
  assert.deepEqual(readdirSync(s.ingestDir).filter((x) => !x.endsWith('.lock')), [], 'no partial data is kept');
  // with the config already local, the corrupted layer downloads are what fails
  const s2 = newStore();
  const cfg = img.manifests[0].configDigest;
  await s2.putBuffer(readFileSync(join(img.dir, 'blobs/sha256', cfg.slice(7))), { digest: cfg });
  await assert.rejects(pull(`${proxy.host}/f/img:v1`, { store: s2, client: new RegistryClient({ domain: proxy.host, credentials: null, registries }) }),
    (e: unknown) => e instanceof RegistryDigestError && img.manifests[0].layers.some((l) => e.message.includes(`get blob ${l.digest}`)));
  for (const l of [...img.manifests[0].layers, { digest: img.digest }]) assert.equal(await s2.has(l.digest), false);
  assert.deepEqual(readdirSync(s2.ingestDir).filter((x) => !x.endsWith('.lock')), []);
});

test('503 answers are retried with backoff', async (t) => {
  const proxy = await startRegistryProxy(reg.host, { fail503: 3 });
  t.after(() => proxy.stop());
  const r = await pull(`${proxy.host}/f/img:v1`, { store: newStore(), client: new RegistryClient({ domain: proxy.host, credentials: null, registries, retryDelayMs: 10 }) });
  assert.equal(r.digest, img.digest);
  assert.equal(proxy.seen.filter((x) => x.status === 503).length, 3);
});

test('a registry that keeps failing gives up with the status in the error', async (t) => {
  const proxy = await startRegistryProxy(reg.host, { fail503: 1000 });
  t.after(() => proxy.stop());
  await assert.rejects(pull(`${proxy.host}/f/img:v1`, { store: newStore(), client: new RegistryClient({ domain: proxy.host, credentials: null, registries, retries: 2, retryDelayMs: 5 }) }),
    (e: unknown) => e instanceof RegistryError && e.status === 503 && /UNAVAILABLE/.test(e.message));
});

test('a manifest whose bytes do not match its digest is refused (by tag and by digest)', async (t) => {
  const proxy = await startRegistryProxy(reg.host, { corruptManifests: true });
  t.after(() => proxy.stop());
  const client = new RegistryClient({ domain: proxy.host, credentials: null, registries });
  const s = newStore();
  await assert.rejects(pull(`${proxy.host}/f/img:v1`, { store: s, client }),
    (e: unknown) => e instanceof RegistryDigestError && /Docker-Content-Digest/.test(e.message) && e.expected === img.digest);
  await assert.rejects(pull(`${proxy.host}/f/img@${img.digest}`, { store: s, client }),
    (e: unknown) => e instanceof RegistryDigestError && e.expected === img.digest && e.actual !== img.digest);
  assert.equal(await s.has(img.digest), false);
});

test('blob downloads follow redirects to another origin', async (t) => {
  const proxy = await startRegistryProxy(reg.host, { redirectBlobs: true });
  t.after(() => proxy.stop());
  const r = await pull(`${proxy.host}/f/img:v1`, { store: newStore(), client: new RegistryClient({ domain: proxy.host, credentials: null, registries }) });
  assert.equal(r.digest, img.digest);
  assert.ok(proxy.seen.filter((x) => x.status === 307).length >= img.manifests[0].layers.length + 1);
});

test('an upload cut mid-body restarts in a fresh session and the push completes', async (t) => {
  const proxy = await startRegistryProxy(reg.host, { cutUploadAfter: 100_000 });
  t.after(() => proxy.stop());
  const s = newStore();
  await loadLayoutIntoStore(img, s);
  const res = await push(img.digest, `${proxy.host}/f/pushed:cut`, { store: s, client: new RegistryClient({ domain: proxy.host, credentials: null, registries, retryDelayMs: 10 }) });
  assert.equal(res.digest, img.digest);
  assert.equal(proxy.cuts, 1);
  const layer = bigLayer();
  const posts = proxy.seen.filter((x) => x.method === 'POST' && x.path.includes('/f/pushed/blobs/uploads/'));
  assert.equal(posts.length, img.manifests[0].layers.length + 2, 'one extra upload session for the cut blob');
  assert.equal(digestOf(await skopeoInspectRaw(`${reg.host}/f/pushed:cut`)), img.digest);
  const back = await pull(`${reg.host}/f/pushed:cut`, { store: newStore(), credentials: null, registries });
  assert.equal(back.manifest.layers.find((l) => l.digest === layer.digest)?.size, layer.size);
});
