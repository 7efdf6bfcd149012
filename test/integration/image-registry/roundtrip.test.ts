// Round trips against a real docker-registry without auth: skopeo → berth, berth → skopeo,
// berth → berth, multi-platform selection, cross-repository mount, chunked uploads, and the
// unpack tee.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { unpackLayer } from '../../../src/image/unpack/index.ts';
import { join } from 'node:path';
import { pull } from '../../../src/image/pull.ts';
import { push } from '../../../src/image/push.ts';
import { RegistryClient } from '../../../src/image/registry/client.ts';
import { RegistryError, UnsupportedManifestError } from '../../../src/image/registry/errors.ts';
import { FileContentStore } from '../../../src/image/store/content.ts';
import { buildOciLayout, loadLayoutIntoStore, skopeoInspectRaw, skopeoPush, type BuiltLayout } from '../../helpers/images.ts';
import { digestOf, startRegistry, startRegistryProxy, type RegistryInstance } from '../../helpers/registry.ts';
import { makeTemp, removeTemp } from '../../helpers/rootfs.ts';

let reg: RegistryInstance;
let tmp: string;
let single: BuiltLayout;
let multi: BuiltLayout;
const noCreds = { credentials: null, registries: { insecure: [] } };

before(async () => {
  tmp = makeTemp('berth-imgrt-');
  reg = await startRegistry();
  single = buildOciLayout(join(tmp, 'single'), { tag: 'v1' });
  multi = buildOciLayout(join(tmp, 'multi'), { tag: 'multi', busybox: false, platforms: [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64', variant: 'v8' }] });
  await skopeoPush(single, `${reg.host}/skopeo/single:v1`);
  await skopeoPush(multi, `${reg.host}/skopeo/multi:multi`);
});

after(async () => {
  await reg?.stop();
  if (tmp) removeTemp(tmp);
});

function store(name: string): FileContentStore {
  return new FileContentStore(join(tmp, 'stores', name + '-' + Math.random().toString(36).slice(2)));
}

test('berth pulls an image pushed by skopeo with the same digests', async () => {
  const s = store('a');
  const r = await pull(`${reg.host}/skopeo/single:v1`, { store: s, ...noCreds });
  assert.equal(r.digest, single.digest);
  assert.equal(r.manifestDigest, single.digest);
  assert.equal(r.size, single.manifests[0].size);
  assert.equal(r.configDigest, single.manifests[0].configDigest);
  assert.equal(r.config.architecture, 'amd64');
  assert.deepEqual(r.config.rootfs.diff_ids, single.manifests[0].layers.map((l) => l.diffId));
  for (const l of single.manifests[0].layers) {
    assert.equal(digestOf(readFileSync(s.path(l.digest))), l.digest);
  }
  assert.ok(await s.has(r.digest));
  assert.ok(await s.has(r.configDigest));
  // by digest as well, and a second pull finds everything present
  const again = await pull(`${reg.host}/skopeo/single@${single.digest}`, { store: s, ...noCreds });
  assert.equal(again.digest, single.digest);
});

test('berth pushes; skopeo sees the same manifest and can copy the image; berth pulls it back', async () => {
  const s = store('push');
  const top = await loadLayoutIntoStore(single, s);
  const res = await push(top, `${reg.host}/berth/pushed:t1`, { store: s, ...noCreds });
  assert.equal(res.digest, single.digest);
  assert.ok(Object.values(res.blobs).every((b) => b === 'uploaded'));
  const raw = await skopeoInspectRaw(`${reg.host}/berth/pushed:t1`);
  assert.equal(digestOf(raw), single.digest);
  const out = join(tmp, 'skopeo-out');
  execFileSync('skopeo', ['copy', '--src-tls-verify=false', `docker://${reg.host}/berth/pushed:t1`, `oci:${out}:x`], { stdio: 'ignore' });
  for (const l of single.manifests[0].layers) assert.ok(existsSync(join(out, 'blobs/sha256', l.digest.slice(7))));
  // pushing again finds every blob already there
  const again = await push(top, `${reg.host}/berth/pushed:t2`, { store: s, ...noCreds });
  assert.ok(Object.values(again.blobs).every((b) => b === 'exists'));
  const back = await pull(`${reg.host}/berth/pushed:t2`, { store: store('back'), ...noCreds });
  assert.equal(back.digest, single.digest);
});

test('chunked upload (PATCH with Content-Range) and cross-repository mount', async () => {
  const s = store('chunk');
  const top = await loadLayoutIntoStore(single, s);
  const proxy = await startRegistryProxy(reg.host);
  try {
    const res = await push(top, `${proxy.host}/berth/chunked:c`, { store: s, chunkSize: 64 << 10, ...noCreds });
    assert.ok(Object.values(res.blobs).includes('uploaded'));
    const patches = proxy.seen.filter((r) => r.method === 'PATCH');
    const busyboxLayer = single.manifests[0].layers[0];
    assert.ok(patches.length >= Math.ceil(busyboxLayer.size / (64 << 10)), `expected chunked PATCHes, saw ${patches.length}`);
  } finally {
    await proxy.stop();
  }
  assert.equal(digestOf(await skopeoInspectRaw(`${reg.host}/berth/chunked:c`)), single.digest);
  const mounted = await push(top, `${reg.host}/other/mounted:m`, { store: s, mountFrom: 'berth/chunked', ...noCreds });
  assert.deepEqual(new Set(Object.values(mounted.blobs)), new Set(['mounted']));
  const back = await pull(`${reg.host}/other/mounted:m`, { store: store('mounted'), ...noCreds });
  assert.equal(back.digest, single.digest);
});

test('multi-platform index: default host platform, --platform, and a clear error for a missing one', async () => {
  const ref = `${reg.host}/skopeo/multi:multi`;
  const [amd, arm] = multi.manifests;
  const s = store('multi');
  const def = await pull(ref, { store: s, ...noCreds });
  assert.equal(def.digest, multi.digest);
  assert.ok(def.index);
  assert.equal(def.manifestDigest, process.arch === 'x64' ? amd.digest : def.manifestDigest);
  const a = await pull(ref, { store: s, platform: 'linux/arm64', ...noCreds });
  assert.equal(a.manifestDigest, arm.digest);
  assert.equal(a.config.architecture, 'arm64');
  assert.ok(await s.has(arm.layers[0].digest));
  const b = await pull(ref, { store: store('amd'), platform: 'linux/amd64', ...noCreds });
  assert.equal(b.manifestDigest, amd.digest);
  await assert.rejects(pull(ref, { store: store('s390'), platform: 'linux/s390x', ...noCreds }),
    (e: unknown) => e instanceof UnsupportedManifestError && /linux\/s390x/.test(e.message) && /linux\/arm64\/v8/.test(e.message));
  // berth pushes the whole index when all platforms are local
  const s2 = store('multi-push');
  await loadLayoutIntoStore(multi, s2);
  const p = await push(multi.digest, `${reg.host}/berth/multi:all`, { store: s2, ...noCreds });
  assert.equal(p.digest, multi.digest);
  assert.equal(digestOf(await skopeoInspectRaw(`${reg.host}/berth/multi:all`)), multi.digest);
});

test('onLayer receives every layer byte while it downloads', async () => {
  const seen = new Map<string, string>();
  await pull(`${reg.host}/skopeo/single:v1`, {
    store: store('tee'), ...noCreds,
    onLayer: async (desc, stream) => {
      const h = createHash('sha256');
      for await (const c of stream) h.update(c as Buffer);
      seen.set(desc.digest, 'sha256:' + h.digest('hex'));
    },
  });
  for (const l of single.manifests[0].layers) assert.equal(seen.get(l.digest), l.digest);
});

test('pull tees layers into unpackLayer while they download', async () => {
  const results = new Map<string, { diffID: string; dir: string }>();
  const r = await pull(`${reg.host}/skopeo/single:v1`, {
    store: store('unpack'), ...noCreds,
    onLayer: async (desc, stream) => {
      const dir = join(tmp, 'unpacked', desc.digest.slice(7, 19));
      mkdirSync(dir, { recursive: true });
      const res = await unpackLayer(stream, dir, { mediaType: desc.mediaType, expectedDigest: desc.digest });
      results.set(desc.digest, { diffID: res.diffID, dir });
    },
  });
  const [base, top] = single.manifests[0].layers;
  assert.deepEqual(r.manifest.layers.map((l) => results.get(l.digest)?.diffID), r.config.rootfs.diff_ids);
  assert.ok(statSync(join(results.get(base.digest)!.dir, 'bin/busybox')).size > 100_000);
  assert.equal(readFileSync(join(results.get(top.digest)!.dir, 'etc/berth-platform'), 'utf8'), 'linux/amd64\n');
});

test('docker schema2 manifests and manifest lists (converted by skopeo) pull with matching digests', async () => {
  for (const [layout, repo] of [[single, 'docker/single'], [multi, 'docker/multi']] as const) {
    execFileSync('skopeo', ['copy', '--all', '--format', 'v2s2', '--dest-tls-verify=false', `oci:${layout.dir}:${layout.tag}`, `docker://${reg.host}/${repo}:d`], { stdio: 'ignore' });
    const raw = await skopeoInspectRaw(`${reg.host}/${repo}:d`);
    const mt = (JSON.parse(raw.toString()) as { mediaType: string }).mediaType;
    assert.match(mt, /^application\/vnd\.docker\.distribution\.manifest\.(v2|list\.v2)\+json$/);
    const s = store('docker');
    const r = await pull(`${reg.host}/${repo}:d`, { store: s, platform: 'linux/amd64', ...noCreds });
    assert.equal(r.digest, digestOf(raw));
    assert.equal(r.mediaType, mt);
    assert.equal(r.manifest.mediaType, 'application/vnd.docker.distribution.manifest.v2+json');
    assert.equal(r.config.architecture, 'amd64');
    // and berth pushes the docker-typed image back unchanged
    const p = await push(r.digest === r.manifestDigest ? r.digest : r.manifestDigest, `${reg.host}/${repo}-copy:d`, { store: s, ...noCreds });
    assert.equal(digestOf(await skopeoInspectRaw(`${reg.host}/${repo}-copy:d`)), p.digest);
  }
});

test('insecure registries: https without verification is tried, then plain http; others need https', async () => {
  // 0.0.0.0 reaches the loopback listener on Linux but is not classed as loopback, so the
  // scheme comes from registries.json as it would for a LAN registry.
  const host = `0.0.0.0:${reg.port}`;
  const r = await pull(`${host}/skopeo/single:v1`, { store: store('insecure'), credentials: null, registries: { insecure: [host] } });
  assert.equal(r.digest, single.digest);
  await assert.rejects(pull(`${host}/skopeo/single:v1`, { store: store('secure'), credentials: null, registries: { insecure: [] } }),
    (e: unknown) => e instanceof RegistryError && e.message.includes(`https://${host}`));
});

test('registry client: tags, HEAD, and not-found errors name the repository', async () => {
  const c = new RegistryClient({ domain: reg.host, ...noCreds });
  await c.ping();
  assert.deepEqual(await c.listTags('skopeo/single'), ['v1']);
  const h = await c.headManifest('skopeo/single', 'v1');
  assert.equal(h?.digest, single.digest);
  assert.equal(await c.headManifest('skopeo/single', 'nope'), null);
  await assert.rejects(c.getManifest('skopeo/single', 'nope'), (e: Error) => /not found/.test(e.message) && /skopeo\/single:nope/.test(e.message));
  await assert.rejects(pull(`${reg.host}/no/such:thing`, { store: store('nf'), ...noCreds }), /no\/such:thing.*not found/);
});
