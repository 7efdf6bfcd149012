// rmi and image prune ask the engine which containers use an image: a container created with
// the real `berth create` blocks rmi until forced, keeps its image from prune, and once the
// container is gone prune frees the image and its layer snapshots.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { buildOciLayout, type BuiltLayout } from '../../helpers/images.ts';
import { isRoot, makeTemp, removeTemp } from '../../helpers/rootfs.ts';
import { berthIn, expectCode, type Berth } from './cli.ts';

let tmp: string;
let img: BuiltLayout;
let berth: Berth;

before(() => {
  if (!isRoot) return;
  tmp = makeTemp('berth-test-imageinuse-');
  img = buildOciLayout(join(tmp, 'img'), { tag: 'berth-test/used:v1' });
  berth = berthIn(join(tmp, 'state'));
});
after(async () => {
  if (!tmp) return;
  await berth(['rm', '-f', 'berth-test-uses-image']).catch(() => undefined);
  removeTemp(tmp);
});

test('a container blocks rmi (unless forced) and prune; after it, prune frees everything', { skip: !isRoot && 'needs root' }, async () => {
  const id = img.manifests[0].configDigest;
  expectCode(await berth(['load', '-i', img.dir]), 0, 'load');
  const ctr = expectCode(await berth(['create', '--name', 'berth-test-uses-image', 'berth-test/used:v1', 'true']), 0, 'create').stdout.trim();

  const refused = await berth(['rmi', 'berth-test/used:v1']);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, new RegExp(`container ${ctr.slice(0, 12)} is using its referenced image ${id.slice(7, 19)}`));
  const byId = await berth(['rmi', id.slice(7, 19)]);
  assert.equal(byId.code, 1);
  assert.match(byId.stderr, /must be forced\) - image is being used by stopped container/);

  assert.equal(expectCode(await berth(['rmi', '-f', 'berth-test/used:v1']), 0, 'rmi -f').stdout, 'Untagged: berth-test/used:v1\n');
  assert.equal(expectCode(await berth(['images', '-q', '--no-trunc', '-f', 'dangling=true']), 0, 'images').stdout, `${id}\n`);
  assert.doesNotMatch(expectCode(await berth(['image', 'prune', '-a']), 0, 'prune').stdout, /deleted:/);
  assert.equal(expectCode(await berth(['images', '-q']), 0, 'images').stdout, `${id.slice(7, 19)}\n`);

  expectCode(await berth(['rm', 'berth-test-uses-image']), 0, 'rm');
  assert.match(expectCode(await berth(['image', 'prune']), 0, 'prune').stdout, new RegExp(`^deleted: ${id}$`, 'm'));
  assert.equal(expectCode(await berth(['images', '-q']), 0, 'images').stdout, '');
  const snapDir = join(berth.root, 'snapshots', 'copy');
  assert.deepEqual(readdirSync(snapDir).filter((n) => /^\d+$/.test(n)), [], 'no layer snapshot left');
  assert.deepEqual(readdirSync(join(berth.root, 'blobs', 'sha256')), [], 'no blob left');
});
