// CRI PullImage through registry mirrors (berth's registries.json, $BERTH_REGISTRIES_CONFIG): an
// offline node pulls a registry.k8s.io name from a local docker-registry, and the image keeps its
// upstream name (kubelet then finds it by that name). Berth's own gRPC client, no crictl.
// Where each pull went is read from the local registry's access log: the mirrored name's
// manifest is asked of it, and without the mirror entry nothing at all is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildOciLayout, skopeoPush } from '../../helpers/images.ts';
import { startRegistry, REGISTRY_BIN } from '../../helpers/registry.ts';
import { defer } from '../../helpers/cleanup.ts';
import { isRoot } from '../../helpers/rootfs.ts';
import { criFixture } from './harness.ts';

const skip = !isRoot ? 'needs root' : !existsSync(REGISTRY_BIN) ? 'needs Debian\'s docker-registry' : false;

test('PullImage of a registry.k8s.io name comes from its mirror and keeps the upstream name', { skip, timeout: 300_000 }, async (t) => {
  const { tmp, client: c } = await criFixture(t, 'mirror', { busybox: false });
  const reg = await startRegistry({ accessLog: true });
  /** The requests for a repository's manifests that reached the local registry since `from`. */
  const manifestRequests = async (repo: string, from: number) => {
    await reg.settle();
    return reg.requests().slice(from).filter((r) => r.includes(`/v2/${repo}/manifests/`));
  };
  defer(t, () => reg.stop());
  const saved = process.env.BERTH_REGISTRIES_CONFIG;
  defer(t, () => { if (saved === undefined) delete process.env.BERTH_REGISTRIES_CONFIG; else process.env.BERTH_REGISTRIES_CONFIG = saved; });
  // A fresh root: the image file system answers before anything was pulled (kubelet asks first).
  const fs0 = await c.images.ImageFsInfo({}) as { imageFilesystems: { fsId: { mountpoint: string } }[] };
  assert.equal(fs0.imageFilesystems[0].fsId.mountpoint, join(tmp, 'root'));

  // The local registry holds the image under the upstream path, without the upstream domain.
  await skopeoPush(buildOciLayout(join(tmp, 'layout'), { tag: '1.29-2' }), `${reg.host}/e2e-test-images/busybox:1.29-2`);
  writeFileSync(join(tmp, 'registries.json'), JSON.stringify({ mirrors: { 'registry.k8s.io': [reg.host] } }));
  process.env.BERTH_REGISTRIES_CONFIG = join(tmp, 'registries.json');

  const name = 'registry.k8s.io/e2e-test-images/busybox:1.29-2';
  await reg.settle();
  let from = reg.requests().length;
  const { imageRef } = await c.images.PullImage({ image: { image: name } }) as { imageRef: string };
  assert.match(imageRef, /^sha256:[0-9a-f]{64}$/);
  assert.ok((await manifestRequests('e2e-test-images/busybox', from)).length > 0, `the pull never asked the mirror: ${reg.requests().slice(from).join(', ')}`);
  const { image } = await c.images.ImageStatus({ image: { image: name } }) as { image: { id: string; repoTags: string[]; repoDigests: string[] } };
  assert.equal(image.id, imageRef);
  assert.deepEqual(image.repoTags, [name]);
  assert.match(image.repoDigests[0], /^registry\.k8s\.io\/e2e-test-images\/busybox@sha256:[0-9a-f]{64}$/);
  const { images } = await c.images.ListImages({}) as { images: { id: string; repoTags: string[] }[] };
  assert.deepEqual(images.filter((i) => i.id === imageRef).map((i) => i.repoTags), [[name]]);

  // A name the mirror lacks falls through to the (unreachable) registry: a clear failure.
  from = reg.requests().length;
  await assert.rejects(c.images.PullImage({ image: { image: 'registry.k8s.io/e2e-test-images/absent:1' } }), (e: Error & { code?: number }) => {
    assert.notEqual(e.code, 0);
    assert.match(e.message, /registry\.k8s\.io/);
    return true;
  });
  assert.ok((await manifestRequests('e2e-test-images/absent', from)).length > 0, 'the mirror was not asked first');
  // Without the mirror entry the upstream name is not pulled from the local registry.
  writeFileSync(join(tmp, 'registries.json'), JSON.stringify({ mirrors: {} }));
  await c.images.RemoveImage({ image: { image: name } });
  await reg.settle();
  from = reg.requests().length;
  await assert.rejects(c.images.PullImage({ image: { image: name } }), /registry\.k8s\.io/);
  await reg.settle();
  assert.deepEqual(reg.requests().slice(from).filter((r) => !r.includes('/berth-test-settle-')), [], 'the local registry was asked without a mirror entry');
});
