// Image operations on a real store in a temp dir (copy snapshotter, no root): names, dangling
// images, rmi rules, prune, inspect and history, with images loaded from OCI layouts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { openImageStore, type ImageStore } from '../../../src/image/store/open.ts';
import {
  findImage, imageHistory, inspectImage, listImages, loadImage, pruneImages, removeImage, tagImage, ImageConflictError, NoSuchImageError, AmbiguousImageError,
} from '../../../src/image/ops/index.ts';
import { buildOciLayout, type BuiltLayout } from '../../helpers/images.ts';
import { makeTemp, removeTemp } from '../../helpers/rootfs.ts';

let tmp: string;
let a: BuiltLayout;
let b: BuiltLayout;
let n = 0;

before(() => {
  tmp = makeTemp('berth-test-imageops-');
  a = buildOciLayout(join(tmp, 'a'), { tag: 'berth-test/app:v1', busybox: false, payload: Buffer.from('image a') });
  b = buildOciLayout(join(tmp, 'b'), { tag: 'berth-test/app:v1', busybox: false, payload: Buffer.from('image b') });
});
after(() => { if (tmp) removeTemp(tmp); });

function freshStore(t: { after: (fn: () => void) => void }): ImageStore {
  const s = openImageStore(join(tmp, `root${n++}`), { driver: 'copy' });
  t.after(() => s.close());
  return s;
}

const contentSize = (l: BuiltLayout) => {
  const m = l.manifests[0];
  return JSON.parse(m.bytes.toString()).config.size + m.layers.reduce((x, y) => x + y.size, 0);
};

test('load names images; images/inspect/history describe them', async (t) => {
  const s = freshStore(t);
  const loaded = await loadImage(s, a.dir);
  assert.equal(loaded.format, 'oci-dir');
  assert.deepEqual(loaded.names, ['docker.io/berth-test/app:v1']);
  const rows = await listImages(s);
  assert.equal(rows.length, 1);
  assert.equal(rows[0].repository, 'berth-test/app');
  assert.equal(rows[0].tag, 'v1');
  assert.equal(rows[0].id, a.manifests[0].configDigest);
  assert.equal(rows[0].size, contentSize(a));
  assert.equal(rows[0].created, '2024-01-01T00:00:00Z');
  const ins = await inspectImage(s, 'berth-test/app:v1');
  assert.equal(ins.Id, a.manifests[0].configDigest);
  assert.deepEqual(ins.RepoTags, ['berth-test/app:v1']);
  assert.deepEqual(ins.Config.Cmd, ['sh']);
  assert.equal(ins.Architecture, 'amd64');
  assert.deepEqual(ins.RootFS, { Type: 'layers', Layers: a.manifests[0].layers.map((l) => l.diffId) });
  const h = await imageHistory(s, a.manifests[0].configDigest.slice(7, 19));
  assert.equal(h.length, 1);
  assert.equal(h[0].id, a.manifests[0].configDigest);
  assert.equal(h[0].createdBy, 'berth test layer 0');
  assert.equal(h[0].size, a.manifests[0].layers[0].size);
});

test('a bare ref.name in an OCI layout is a tag without repository: the image is kept by ID', async (t) => {
  const s = freshStore(t);
  const l = buildOciLayout(join(tmp, 'bare'), { tag: 'latest', busybox: false, payload: Buffer.from('bare') });
  const loaded = await loadImage(s, l.dir);
  assert.deepEqual(loaded.names, []);
  assert.deepEqual(loaded.ids, [l.manifests[0].configDigest]);
  const rows = await listImages(s, { filters: ['dangling=true'] });
  assert.deepEqual(rows.map((r) => [r.repository, r.tag, r.id]), [['<none>', '<none>', l.manifests[0].configDigest]]);
});

test('a moved tag leaves the old image dangling; prune removes it and frees its blobs', async (t) => {
  const s = freshStore(t);
  await loadImage(s, a.dir);
  await loadImage(s, b.dir);
  const rows = await listImages(s);
  assert.deepEqual(rows.map((r) => [r.repository, r.tag, r.id]).sort(), [
    ['<none>', '<none>', a.manifests[0].configDigest],
    ['berth-test/app', 'v1', b.manifests[0].configDigest],
  ].sort());
  assert.deepEqual((await listImages(s, { filters: ['dangling=false'] })).map((r) => r.id), [b.manifests[0].configDigest]);
  const aLayer = a.manifests[0].layers[0].digest;
  assert.ok(await s.content.has(aLayer));
  const r = await pruneImages(s);
  assert.deepEqual(r.events, [{ deleted: a.manifests[0].configDigest }]);
  assert.ok(r.spaceReclaimed >= contentSize(a));
  assert.ok(!(await s.content.has(aLayer)));
  assert.ok(await s.content.has(b.manifests[0].layers[0].digest));
  assert.equal((await listImages(s)).length, 1);
});

test('rmi: untag while other tags remain, delete with the last one', async (t) => {
  const s = freshStore(t);
  await loadImage(s, a.dir);
  tagImage(s, 'berth-test/app:v1', 'berth-test/app:v2');
  tagImage(s, 'berth-test/app:v1', 'localhost:5000/other:x');
  assert.equal((await listImages(s)).length, 3);
  const id = a.manifests[0].configDigest;
  // an ID naming tags in two repositories needs force
  await assert.rejects(removeImage(s, id.slice(7, 19)), (e: unknown) => e instanceof ImageConflictError && /referenced in multiple repositories/.test(e.message));
  assert.deepEqual((await removeImage(s, 'berth-test/app:v2')).events, [{ untagged: 'berth-test/app:v2' }]);
  assert.deepEqual((await removeImage(s, 'localhost:5000/other:x')).events, [{ untagged: 'localhost:5000/other:x' }]);
  const last = await removeImage(s, 'berth-test/app:v1');
  assert.deepEqual(last.events, [{ untagged: 'berth-test/app:v1' }, { deleted: id }]);
  assert.ok(last.reclaimed.bytes >= contentSize(a));
  assert.ok(!(await s.content.has(id)));
  assert.deepEqual(await listImages(s), []);
  await assert.rejects(removeImage(s, 'berth-test/app:v1'), (e: unknown) => e instanceof NoSuchImageError && e.message === 'No such image: berth-test/app:v1');
});

test('rmi: images used by containers need force; a running container blocks even force', async (t) => {
  const s = freshStore(t);
  await loadImage(s, a.dir);
  const id = a.manifests[0].configDigest;
  let users = [{ id: 'f00d'.repeat(16), running: false }];
  const usedBy = (img: string) => (img === id ? users : []);
  await assert.rejects(removeImage(s, 'berth-test/app:v1', { usedBy }), (e: unknown) => e instanceof ImageConflictError && /container f00df00df00d is using its referenced image/.test(e.message));
  await assert.rejects(removeImage(s, id, { usedBy }), /must be forced\) - image is being used by stopped container f00df00df00d/);
  // forced untag of a used image keeps it, by ID
  assert.deepEqual((await removeImage(s, 'berth-test/app:v1', { usedBy, force: true })).events, [{ untagged: 'berth-test/app:v1' }]);
  assert.equal(findImage(s, id).image.id, id);
  assert.equal((await pruneImages(s, { usedBy })).events.length, 0, 'prune keeps used images');
  users = [{ id: 'beef'.repeat(16), running: true }];
  await assert.rejects(removeImage(s, id, { usedBy, force: true }), /cannot be forced\) - image is being used by running container beefbeefbeef/);
  users = [];
  assert.deepEqual((await removeImage(s, id, { usedBy })).events, [{ deleted: id }]);
});

test('lookups: short IDs, ambiguity, unknown names', async (t) => {
  const s = freshStore(t);
  await loadImage(s, a.dir);
  tagImage(s, a.manifests[0].configDigest.slice(7, 15), 'berth-test/byid:1');
  assert.equal(findImage(s, 'berth-test/byid:1').image.id, a.manifests[0].configDigest);
  assert.throws(() => findImage(s, 'nope:1'), NoSuchImageError);
  assert.throws(() => findImage(s, 'zzz'), NoSuchImageError);
  await loadImage(s, b.dir); // a is now named only by byid:1
  const ids = [a.manifests[0].configDigest, b.manifests[0].configDigest];
  let common = 0;
  while (ids[0][7 + common] === ids[1][7 + common]) common++;
  if (common > 0) assert.throws(() => findImage(s, ids[0].slice(7, 7 + common)), AmbiguousImageError);
  assert.ok(existsSync(s.content.path(ids[0])));
});

test('images: positional repository, before/since/label filters, newest first', async (t) => {
  const s = freshStore(t);
  await loadImage(s, a.dir); // created 2024-01-01
  // an older image with a label, written straight into the store
  const cfg = Buffer.from(JSON.stringify({ created: '2020-05-05T10:00:00.123456789Z', architecture: 'amd64', os: 'linux', config: { Labels: { team: 'x' } }, rootfs: { type: 'layers', diff_ids: [] } }));
  const cfgDigest = await s.content.putBuffer(cfg);
  const man = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: cfgDigest, size: cfg.length }, layers: [] }));
  const manDigest = await s.content.putBuffer(man);
  s.metadata.put({ name: 'docker.io/berth-test/old:1', target: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: manDigest, size: man.length }, manifestDigest: manDigest, configDigest: cfgDigest });
  assert.deepEqual((await listImages(s)).map((r) => r.repository), ['berth-test/app', 'berth-test/old']);
  assert.deepEqual((await listImages(s, { filters: ['before=berth-test/app:v1'] })).map((r) => r.repository), ['berth-test/old']);
  assert.deepEqual((await listImages(s, { filters: ['since=berth-test/old:1'] })).map((r) => r.repository), ['berth-test/app']);
  assert.deepEqual((await listImages(s, { filters: ['label=team=x'] })).map((r) => r.id), [cfgDigest]);
  assert.deepEqual((await listImages(s, { filters: ['label=team'] })).map((r) => r.id), [cfgDigest]);
  assert.deepEqual((await listImages(s, { reference: 'berth-test/old' })).map((r) => r.tag), ['1']);
  assert.deepEqual((await listImages(s, { reference: 'berth-test/app:v2' })), []);
  assert.equal((await listImages(s, { filters: ['reference=berth-test/*'] })).length, 2);
  assert.deepEqual((await pruneImages(s, { all: true, filters: ['until=2021-01-01T00:00:00Z'] })).events, [{ untagged: 'berth-test/old:1' }, { deleted: cfgDigest }]);
  assert.deepEqual((await listImages(s)).map((r) => r.repository), ['berth-test/app']);
});
