// Garbage collection through the CLI: `berth rmi` frees what only that image used (blobs and
// layer snapshots) and keeps what another image shares; `berth image prune` sweeps unreferenced
// blobs older than the grace period and keeps young ones (a pull in progress elsewhere);
// `berth system prune -a` removes every unused image and all it held.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { utimesSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { openImageStore } from '../../../src/image/index.ts';
import { chainIDs } from '../../../src/image/snapshots/layers.ts';
import { startRegistry, type RegistryInstance } from '../../helpers/registry.ts';
import { isRoot, makeTemp, removeTemp } from '../../helpers/rootfs.ts';
import { berthIn, expectCode } from '../image-cli/cli.ts';
import { checkBlobs, LAYER_TYPES, pushRawImage, tarOf, type PushedImage } from './support.ts';

let tmp: string;
let reg: RegistryInstance;
let a: PushedImage;
let b: PushedImage;

const layer = async (name: string, body: string) => ({ data: gzipSync(await tarOf([{ entry: { name, type: 'file', mode: 0o644 }, body: Buffer.from(body) }])), mediaType: LAYER_TYPES.gzip });

before(async () => {
  if (!isRoot) return;
  tmp = makeTemp('berth-test-audit-gc-');
  reg = await startRegistry();
  const base = await layer('base', 'shared base layer\n');
  a = await pushRawImage(reg.url, 'audit/gc-a', 'v1', [base, await layer('a', 'only in a\n')], { Cmd: ['a'] });
  b = await pushRawImage(reg.url, 'audit/gc-b', 'v1', [base, await layer('b', 'only in b\n')], { Cmd: ['b'] });
});
after(async () => {
  await reg?.stop();
  if (tmp) removeTemp(tmp);
});

const allBlobs = (i: PushedImage) => [i.manifestDigest, i.configDigest, ...i.layers.map((l) => l.digest)];
const chains = (i: PushedImage) => chainIDs(i.layers.map((l) => l.diffId));

test('rmi frees what only that image used; image prune honours the grace period; system prune -a empties the store', { skip: !isRoot && 'needs root' }, async () => {
  const berth = berthIn(join(tmp, 'b'));
  for (const r of ['gc-a', 'gc-b']) expectCode(await berth(['pull', '-q', `${reg.host}/audit/${r}:v1`]), 0, 'pull');
  const state = () => {
    const s = openImageStore(berth.root, { driver: 'copy' });
    try { return { blobs: checkBlobs(berth.root).sort(), snapshots: s.snapshotter.list().map((x) => x.key).sort(), names: s.metadata.list().length }; } finally { s.close(); }
  };
  assert.deepEqual(state().blobs, [...new Set([...allBlobs(a), ...allBlobs(b)])].sort());

  expectCode(await berth(['rmi', `${reg.host}/audit/gc-a:v1`]), 0, 'rmi');
  let st = state();
  assert.deepEqual(st.blobs, allBlobs(b).sort(), 'a\'s own blobs are gone, the shared base layer stays');
  assert.deepEqual(st.snapshots, chains(b).sort(), 'a\'s top layer snapshot is gone, the shared base stays');

  // two unreferenced blobs: an old one (an abandoned pull) and a young one (a pull in progress)
  const s = openImageStore(berth.root, { driver: 'copy' });
  const old = await s.content.putBuffer(Buffer.from('abandoned\n'));
  const young = await s.content.putBuffer(Buffer.from('in progress\n'));
  const hourAgo = Date.now() / 1000 - 3600;
  utimesSync(s.content.path(old), hourAgo, hourAgo);
  s.close();
  expectCode(await berth(['image', 'prune', '-f']), 0, 'image prune');
  st = state();
  assert.ok(!st.blobs.includes(old), 'the old unreferenced blob is swept');
  assert.ok(st.blobs.includes(young), 'the young one is kept');

  const out = expectCode(await berth(['system', 'prune', '-a', '-f']), 0, 'system prune -a').stdout;
  assert.match(out, /^Deleted Images:$/m);
  assert.match(out, new RegExp(`^deleted: ${b.configDigest}$`, 'm'));
  assert.match(out, /^Total reclaimed space: \d+(\.\d+)?[kM]?B$/m);
  assert.doesNotMatch(out, /Total reclaimed space: 0B/);
  st = state();
  assert.deepEqual(st, { blobs: [young], snapshots: [], names: 0 });
});
