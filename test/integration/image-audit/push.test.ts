// `berth push` through a counting proxy: a tag in another repository of the same registry is
// pushed by cross-repository mounts (no layer bytes sent), a second push of the same image
// sends no blob at all (HEAD finds every one), and the registry serves the same manifest.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { startRegistry, type RegistryInstance } from '../../helpers/registry.ts';
import { isRoot, makeTemp, removeTemp } from '../../helpers/rootfs.ts';
import { berthIn, expectCode } from '../image-cli/cli.ts';
import { LAYER_TYPES, pushRawImage, sha256, startCountingProxy, tarOf, type PushedImage } from './support.ts';

let tmp: string;
let reg: RegistryInstance;
let img: PushedImage;

before(async () => {
  if (!isRoot) return;
  tmp = makeTemp('berth-test-audit-push-');
  reg = await startRegistry();
  const l = await tarOf([{ entry: { name: 'data', type: 'file', mode: 0o644 }, body: Buffer.alloc(300_000, 9) }]);
  img = await pushRawImage(reg.url, 'audit/src', 'v1', [{ data: gzipSync(l), mediaType: LAYER_TYPES.gzip }], { Cmd: ['/data'] });
});
after(async () => {
  await reg?.stop();
  if (tmp) removeTemp(tmp);
});

test('push to another repository mounts the blobs; pushing again uploads nothing', { skip: !isRoot && 'needs root' }, async (t) => {
  const proxy = await startCountingProxy(reg.host);
  t.after(() => proxy.stop());
  const berth = berthIn(join(tmp, 'b'));
  const src = `${proxy.host}/audit/src:v1`;
  const dst = `${proxy.host}/audit/dst:v1`;
  expectCode(await berth(['pull', '-q', src]), 0, 'pull');
  expectCode(await berth(['tag', src, dst]), 0, 'tag');
  const from = proxy.seen.length;
  expectCode(await berth(['push', dst]), 0, 'push');
  const first = proxy.seen.slice(from);
  const mounts = first.filter((s) => s.method === 'POST' && s.path.includes('mount='));
  for (const d of [img.configDigest, img.layers[0].digest]) {
    assert.ok(mounts.some((m) => m.path.includes(`mount=${encodeURIComponent(d)}`) || m.path.includes(`mount=${d}`)), `${d} mounted`);
  }
  assert.ok(mounts.every((m) => /from=audit%2Fsrc|from=audit\/src/.test(m.path) && m.status === 201), JSON.stringify(mounts));
  assert.deepEqual(first.filter((s) => s.method === 'PUT' && s.path.includes('/blobs/uploads/')), [], 'no blob bytes uploaded');
  const man = await fetch(`${reg.url}/v2/audit/dst/manifests/v1`, { headers: { Accept: 'application/vnd.oci.image.manifest.v1+json' } });
  assert.equal(sha256(Buffer.from(await man.arrayBuffer())), img.manifestDigest);

  const again = proxy.seen.length;
  expectCode(await berth(['push', dst]), 0, 'push again');
  const second = proxy.seen.slice(again);
  assert.deepEqual(second.filter((s) => s.method === 'POST' || s.method === 'PATCH' || (s.method === 'PUT' && s.path.includes('/blobs/'))), [], 'no upload started');
  assert.ok(second.filter((s) => s.method === 'HEAD' && s.path.includes('/blobs/')).every((s) => s.status === 200));
});
