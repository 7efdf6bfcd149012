// pullAndUnpack against a real docker-registry: overlay layers unpacked while they download and
// stacked under their chainIDs, the rootfs readable through a real overlay mount, a second pull
// unpacking nothing, the copy snapshotter's one-after-the-other path, a layer failing its diffID
// leaving no half-unpacked snapshot behind, and a cut download resumed under the unpack.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pullAndUnpack } from '../../../src/image/pullunpack.ts';
import { resolveImage } from '../../../src/engine/images.ts';
import { RegistryClient } from '../../../src/image/registry/client.ts';
import { chainIDs, mountAll, unmount } from '../../../src/image/snapshots/index.ts';
import { openImageStore } from '../../../src/image/store/index.ts';
import type { ImageConfig, Manifest } from '../../../src/image/types.ts';
import { DiffIdMismatchError } from '../../../src/image/unpack/errors.ts';
import { buildOciLayout, skopeoPush, type BuiltLayout } from '../../helpers/images.ts';
import { digestOf, startRegistry, startRegistryProxy, type RegistryInstance } from '../../helpers/registry.ts';
import { isRoot, makeTemp, removeTemp } from '../../helpers/rootfs.ts';

let reg: RegistryInstance;
let tmp: string;
let img: BuiltLayout;

before(async () => {
  if (!isRoot) return;
  tmp = makeTemp('berth-pullunpack-');
  reg = await startRegistry();
  // busybox + a second layer with a payload big enough to arrive in many chunks
  img = buildOciLayout(join(tmp, 'layout'), { tag: 'v1', payload: Buffer.alloc(3 << 20, 'berth ') });
  await skopeoPush(img, `${reg.host}/pu/img:v1`);
});

after(async () => {
  await reg?.stop();
  if (tmp) removeTemp(tmp);
});

const client = (host: string) => new RegistryClient({ domain: host, credentials: null, registries: { insecure: [] } });

test('overlay: layers stacked by chainID, readable through an overlay mount; a second pull unpacks nothing', async (t) => {
  if (!isRoot) { t.skip('needs root (overlay snapshotter)'); return; }
  const root = join(tmp, 'overlay-root');
  const store = openImageStore(root, { driver: 'overlay' });
  const target = join(tmp, 'mnt');
  mkdirSync(target, { recursive: true });
  t.after(() => { unmount(target); store.close(); });
  const res = await pullAndUnpack(`${reg.host}/pu/img:v1`, { store, client: client(reg.host) });
  const chains = chainIDs(img.manifests[0].layers.map((l) => l.diffId));
  assert.equal(res.chainID, chains[1]);
  assert.equal(res.unpacked, 2);
  assert.equal(store.snapshotter.stat(chains[0])?.parent, undefined);
  assert.equal(store.snapshotter.stat(chains[1])?.parent, chains[0]);
  assert.equal(store.snapshotter.stat(chains[1])?.kind, 'committed');
  assert.deepEqual(store.snapshotter.list().filter((s) => s.kind !== 'committed'), []);
  mountAll(store.snapshotter.view('check', chains[1]), target);
  assert.equal(readFileSync(join(target, 'etc/berth-platform'), 'utf8'), 'linux/amd64\n');
  assert.equal(readlinkSync(join(target, 'bin/sh')), 'busybox');
  assert.equal(readFileSync(join(target, 'payload.bin')).length, 3 << 20);
  assert.equal(execFileSync('chroot', [target, '/bin/busybox', 'echo', 'ok'], { encoding: 'utf8' }), 'ok\n');
  unmount(target);
  store.snapshotter.remove('check');
  const again = await pullAndUnpack(`${reg.host}/pu/img:v1`, { store, client: client(reg.host) });
  assert.equal(again.unpacked, 0);
  assert.equal(again.chainID, chains[1]);
});

test('copy snapshotter: unpacked after the download, each layer on a copy of its parent', async (t) => {
  if (!isRoot) { t.skip('needs root (owners)'); return; }
  const store = openImageStore(join(tmp, 'copy-root'), { driver: 'copy' });
  t.after(() => store.close());
  const res = await pullAndUnpack(`${reg.host}/pu/img:v1`, { store, client: client(reg.host) });
  const fs = store.snapshotter.fsPath(res.chainID);
  assert.equal(readFileSync(join(fs, 'etc/berth-platform'), 'utf8'), 'linux/amd64\n');
  assert.equal(readlinkSync(join(fs, 'bin/sh')), 'busybox');
  assert.equal(res.unpacked, 2);
});

/** The layout's image under a new tag whose config lies about the last layer's diffID. */
async function pushWithWrongDiffID(host: string): Promise<string> {
  const dir = join(tmp, 'wrong');
  execFileSync('cp', ['-a', img.dir, dir]);
  const blob = (d: string) => join(dir, 'blobs', 'sha256', d.replace('sha256:', ''));
  const put = (b: Buffer) => { const d = digestOf(b); writeFileSync(blob(d), b); return d; };
  const m = img.manifests[0];
  const manifest = JSON.parse(readFileSync(blob(m.digest), 'utf8')) as Manifest;
  const config = JSON.parse(readFileSync(blob(m.configDigest), 'utf8')) as ImageConfig;
  config.rootfs.diff_ids[1] = 'sha256:' + 'e'.repeat(64);
  const cfg = Buffer.from(JSON.stringify(config));
  manifest.config = { ...manifest.config, digest: put(cfg), size: cfg.length };
  const mb = Buffer.from(JSON.stringify(manifest));
  writeFileSync(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: manifest.mediaType, digest: put(mb), size: mb.length, annotations: { 'org.opencontainers.image.ref.name': 'wrong' } }] }));
  execFileSync('skopeo', ['copy', '--preserve-digests', '--dest-tls-verify=false', `oci:${dir}:wrong`, `docker://${host}/pu/img:wrong`], { stdio: 'ignore' });
  return `${host}/pu/img:wrong`;
}

test('a layer that does not match its diffID fails the pull; the good layer stays, nothing half-made', async (t) => {
  if (!isRoot) { t.skip('needs root (overlay snapshotter)'); return; }
  const ref = await pushWithWrongDiffID(reg.host);
  const store = openImageStore(join(tmp, 'wrong-root'), { driver: 'overlay' });
  t.after(() => store.close());
  await assert.rejects(pullAndUnpack(ref, { store, client: client(reg.host) }),
    (e: unknown) => e instanceof DiffIdMismatchError && e.expected === 'sha256:' + 'e'.repeat(64) && e.actual === img.manifests[0].layers[1].diffId);
  const base = img.manifests[0].layers[0].diffId;
  // The busybox layer is fine and committed (as containerd keeps it); nothing else remains.
  assert.deepEqual(store.snapshotter.list().map((s) => [s.key, s.kind]), [[base, 'committed']]);
  const dirs = readdirSync(store.snapshotter.root).filter((n) => /^\d+$/.test(n));
  assert.deepEqual(dirs, [String(store.snapshotter.stat(base)!.id)]);
});

test('a download cut mid-layer is resumed and the unpack sees every byte once', async (t) => {
  if (!isRoot) { t.skip('needs root (overlay snapshotter)'); return; }
  const proxy = await startRegistryProxy(reg.host, { cutBlobAfter: 512 * 1024 });
  const store = openImageStore(join(tmp, 'cut-root'), { driver: 'overlay' });
  t.after(async () => { store.close(); await proxy.stop(); });
  // (with syncfs before each commit, the durable variant)
  const res = await pullAndUnpack(`${proxy.host}/pu/img:v1`, { store, client: client(proxy.host), syncLayers: true });
  assert.equal(proxy.cuts, 1);
  assert.equal(res.unpacked, 2);
  const top = store.snapshotter.fsPath(res.chainID);
  assert.equal(readFileSync(join(top, 'payload.bin')).length, 3 << 20);
});

test('the engine pulls through pullAndUnpack: resolveImage of a missing image leaves it unpacked', async (t) => {
  if (!isRoot) { t.skip('needs root (overlay snapshotter)'); return; }
  const root = join(tmp, 'engine-root');
  const r = await resolveImage(root, `${reg.host}/pu/img:v1`, 'missing');
  const chains = chainIDs(img.manifests[0].layers.map((l) => l.diffId));
  assert.equal(r.chainId, chains[1]);
  const store = openImageStore(root, { driver: 'overlay' });
  t.after(() => store.close());
  assert.equal(store.snapshotter.stat(chains[1])?.parent, chains[0]);
  assert.equal(readFileSync(join(store.snapshotter.fsPath(chains[1]), 'etc/berth-platform'), 'utf8'), 'linux/amd64\n');
});
