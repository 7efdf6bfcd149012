// save/load round trips with skopeo as the other side, and oci-image-tool on every layout we write.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openImageStore, saveImages, loadImages, unpackImage, type ImageStore, type Manifest, type ImageConfig } from '../../../src/image/index.ts';
import { isRoot, makeBusyboxRootfs, makeTemp, removeTemp } from '../../helpers/rootfs.ts';
import { gnuTarGz, storeImage } from './fixtures.ts';

const NAME = 'localhost/berth-test/archive:v1';

async function setup(t: { after: (fn: () => void) => void }) {
  const dir = makeTemp('berth-test-archive-');
  const stores: ImageStore[] = [];
  t.after(() => { for (const s of stores) s.close(); removeTemp(dir); });
  const open = (n: string) => { const s = openImageStore(join(dir, n), { driver: 'copy' }); stores.push(s); return s; };
  const s = open('src');
  const rootfs = makeBusyboxRootfs(join(dir, 'rootfs'));
  const top = join(dir, 'top');
  mkdirSync(join(top, 'etc'), { recursive: true });
  writeFileSync(join(top, 'etc/hello'), 'from layer 2\n');
  const img = await storeImage(s, NAME, [gnuTarGz(rootfs, join(dir, 'l1.tgz')), gnuTarGz(top, join(dir, 'l2.tgz'))], { Cmd: ['/bin/sh'], Env: ['A=1'] });
  return { dir, s, img, open };
}

function validateLayout(dir: string): void {
  const out = execFileSync('oci-image-tool', ['validate', '--type', 'image', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  assert.match(out, /Validation succeeded/);
}

async function checkUnpacks(s: ImageStore, name: string, expectConfig: string | null): Promise<void> {
  const rec = s.metadata.get(name);
  assert.ok(rec, `${name} is known after load`);
  if (expectConfig) assert.equal(rec.configDigest, expectConfig, 'config bytes are preserved');
  const manifest = JSON.parse((await s.content.read(rec.manifestDigest)).toString()) as Manifest;
  const config = JSON.parse((await s.content.read(rec.configDigest)).toString()) as ImageConfig;
  assert.deepEqual(config.config?.Cmd, ['/bin/sh']);
  const { chainID } = await unpackImage(s.content, s.snapshotter, manifest, config);
  assert.equal(readFileSync(join(s.snapshotter.fsPath(chainID), 'etc/hello'), 'utf8'), 'from layer 2\n');
}

test('OCI layout dir and oci-archive: oci-image-tool validates, skopeo reads, load round-trips', async (t) => {
  if (!isRoot) return t.skip('needs root');
  const { dir, s, img, open } = await setup(t);
  const layout = join(dir, 'layout');
  await saveImages(s, [NAME], layout, 'oci-dir');
  validateLayout(layout);
  const ociTar = join(dir, 'image.oci.tar');
  await saveImages(s, [NAME], ociTar, 'oci-archive');
  // oci-image-tool 1.0.0-rc1's tar walker fails on any tar (GNU tar's too): validate the unpacked tree.
  const extracted = join(dir, 'extracted');
  mkdirSync(extracted);
  execFileSync('tar', ['-xf', ociTar, '-C', extracted]);
  validateLayout(extracted);
  // skopeo: our oci-archive → docker-archive, which we load back.
  const viaSkopeo = join(dir, 'from-skopeo.docker.tar');
  execFileSync('skopeo', ['copy', '-q', `oci-archive:${ociTar}:${NAME}`, `docker-archive:${viaSkopeo}:${NAME}`]);
  const s2 = open('dst1');
  const r = await loadImages(s2, viaSkopeo);
  assert.equal(r.format, 'docker-archive');
  await checkUnpacks(s2, NAME, img.configDigest);
  // Loading our own layouts (dir and tar).
  const s3 = open('dst2');
  assert.equal((await loadImages(s3, layout)).format, 'oci-dir');
  await checkUnpacks(s3, NAME, img.configDigest);
  const s4 = open('dst3');
  assert.equal((await loadImages(s4, ociTar)).format, 'oci-archive');
  await checkUnpacks(s4, NAME, img.configDigest);
  assert.equal(s4.metadata.get(NAME)!.manifestDigest, img.manifestDigest, 'an OCI image goes through unchanged');
});

test('docker-archive: skopeo reads ours, we read skopeo\'s (docker-archive and OCI layout)', async (t) => {
  if (!isRoot) return t.skip('needs root');
  const { dir, s, img, open } = await setup(t);
  const ours = join(dir, 'ours.docker.tar');
  await saveImages(s, [NAME], ours, 'docker-archive');
  const inspected = JSON.parse(execFileSync('skopeo', ['inspect', `docker-archive:${ours}`], { encoding: 'utf8' })) as { Layers: string[] };
  assert.deepEqual(inspected.Layers, img.config.rootfs.diff_ids, 'skopeo sees the uncompressed layers by diffID');
  // skopeo turns it into an OCI layout; we load that and check it validates too.
  const skLayout = join(dir, 'skopeo-layout');
  execFileSync('skopeo', ['copy', '-q', `docker-archive:${ours}`, `oci:${skLayout}:${NAME}`]);
  validateLayout(skLayout);
  const s2 = open('dst');
  const r = await loadImages(s2, skLayout);
  assert.equal(r.format, 'oci-dir');
  // skopeo rewrites the config when it converts to OCI: same content, other bytes.
  await checkUnpacks(s2, NAME, null);
  const cfg = JSON.parse((await s2.content.read(s2.metadata.get(NAME)!.configDigest)).toString()) as ImageConfig;
  assert.deepEqual(cfg.rootfs.diff_ids, img.config.rootfs.diff_ids);
  // Ours back into a fresh store.
  const s3 = open('dst-ours');
  const r3 = await loadImages(s3, ours);
  assert.equal(r3.format, 'docker-archive');
  await checkUnpacks(s3, NAME, img.configDigest);
  // And a gzip-compressed docker-archive (docker save | gzip) loads too.
  execFileSync('gzip', ['-k', ours]);
  const s4 = open('dst-gz');
  assert.equal((await loadImages(s4, `${ours}.gz`)).images[0].name, NAME);
});

test('load rejects an archive whose blob does not match its digest', async (t) => {
  if (!isRoot) return t.skip('needs root');
  const { dir, s, open } = await setup(t);
  const layout = join(dir, 'layout');
  await saveImages(s, [NAME], layout, 'oci-dir');
  const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8'));
  const manifestPath = join(layout, 'blobs/sha256', index.manifests[0].digest.slice(7));
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
  writeFileSync(join(layout, 'blobs/sha256', manifest.config.digest.slice(7)), '{"tampered":true}');
  const s2 = open('dst');
  await assert.rejects(loadImages(s2, layout), /digest mismatch/);
  assert.equal(s2.metadata.list().length, 0);
  assert.equal(await s2.content.has(manifest.config.digest), false);
});
