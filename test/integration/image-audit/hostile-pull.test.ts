// Hostile layers through a real registry: each image is pushed with the distribution API (the
// registry stores the bytes as given), then `berth pull` (the CLI, copy snapshotter) and
// pullAndUnpack (overlay snapshotter) must fail with the layer named, write nothing outside the
// snapshot, and leave no image name and no committed snapshot behind.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { encodeHeader, type PackItem } from '../../../src/image/tar/index.ts';
import { openImageStore, pullAndUnpack, RegistryClient } from '../../../src/image/index.ts';

import { startRegistry, type RegistryInstance } from '../../helpers/registry.ts';
import { isRoot, makeTemp, removeTemp } from '../../helpers/rootfs.ts';
import { berthIn } from '../image-cli/cli.ts';
import { chainIDs } from '../../../src/image/snapshots/layers.ts';
import { LAYER_TYPES, pushRawImage, sha256, startBerth, tarOf } from './support.ts';

let tmp: string;
let reg: RegistryInstance;
let canary: string;

before(async () => {
  if (!isRoot) return;
  tmp = makeTemp('berth-test-audit-hostile-');
  reg = await startRegistry();
  canary = join(tmp, 'outside', 'canary');
  mkdirSync(canary, { recursive: true });
  writeFileSync(join(canary, 'secret'), 'canary');
});
after(async () => {
  await reg?.stop();
  if (tmp) removeTemp(tmp);
});

// berth roots live in tmp/roots; tmp/outside must not change, nor may / gain an `escaped`
const canaryState = () => JSON.stringify({ top: readdirSync(join(tmp, 'outside')).sort(), root: existsSync('/escaped'), files: readdirSync(canary).sort(), secret: readFileSync(join(canary, 'secret'), 'utf8'), mtime: statSync(canary).mtimeMs });

// a well-formed first entry so that the layer is partly applied before the hostile one
const ok: PackItem = { entry: { name: 'ok.txt', type: 'file', mode: 0o644 }, body: Buffer.from('fine\n') };
const cases: { name: string; items: () => PackItem[] | Buffer; expect: RegExp; devices?: boolean }[] = [
  { name: 'dotdot', items: () => [ok, { entry: { name: '../../../../../../../../escaped', type: 'file' }, body: Buffer.from('x') }], expect: /climbs out/ },
  { name: 'abs-symlink-write', items: () => [ok, { entry: { name: 'link', type: 'symlink', linkname: canary } }, { entry: { name: 'link/pwned', type: 'file' }, body: Buffer.from('x') }], expect: /refusing to write through it/ },
  { name: 'rel-symlink-overwrite', items: () => [ok, { entry: { name: 'link', type: 'symlink', linkname: '../'.repeat(30) + canary.slice(1) } }, { entry: { name: 'link/secret', type: 'file' }, body: Buffer.from('overwritten') }], expect: /refusing to write through it/ },
  { name: 'symlink-mkdir', items: () => [{ entry: { name: 'link', type: 'symlink', linkname: canary } }, { entry: { name: 'link/newdir/', type: 'dir' } }], expect: /refusing to write through it/ },
  { name: 'hardlink-dotdot', items: () => [{ entry: { name: 'h', type: 'link', linkname: '../'.repeat(30) + canary.slice(1) + '/secret' } }], expect: /climbs out/ },
  { name: 'hardlink-abs', items: () => [{ entry: { name: 'h', type: 'link', linkname: join(canary, 'secret') } }], expect: /does not exist in this layer/ },
  { name: 'hardlink-through-symlink', items: () => [{ entry: { name: 'l', type: 'symlink', linkname: canary } }, { entry: { name: 'h', type: 'link', linkname: 'l/secret' } }], expect: /non-directory/ },
  { name: 'whiteout-through-symlink', items: () => [{ entry: { name: 'l', type: 'symlink', linkname: canary } }, { entry: { name: 'l/.wh.secret', type: 'file' }, body: Buffer.alloc(0) }], expect: /refusing to write through it/ },
  { name: 'huge-size', items: () => Buffer.concat([encodeHeader({ name: 'huge', type: 'file', size: 2 ** 40 }), Buffer.alloc(8192, 1)]), expect: /end|truncat/i },
  { name: 'early-end', items: () => Buffer.from('cut'), expect: /end|truncat/i },
];

async function layerBytes(c: (typeof cases)[number]): Promise<{ data: Buffer; diffId?: string }> {
  const made = c.items();
  if (Buffer.isBuffer(made) && c.name === 'early-end') {
    // a real layer's gzip stream cut in the middle: the registry serves it whole (its digest is
    // of the cut bytes); the config claims the full tar's diffID
    const full = await tarOf([ok, { entry: { name: 'big', type: 'file' }, body: Buffer.alloc(200_000, 7) }]);
    const gz = gzipSync(full, { level: 0 });
    return { data: gz.subarray(0, gz.length >> 1), diffId: sha256(full) };
  }
  const tar = Buffer.isBuffer(made) ? made : await tarOf(made);
  return { data: gzipSync(tar), diffId: sha256(tar) };
}

test('berth pull refuses hostile layers from a registry: nothing outside, no image, no snapshot', { skip: !isRoot && 'needs root' }, async () => {
  const before = canaryState();
  for (const c of cases) {
    const berth = berthIn(join(tmp, 'roots', `cli-${c.name}`));
    const layer = await layerBytes(c);
    await pushRawImage(reg.url, `hostile/${c.name}`, 'v1', [{ ...layer, mediaType: LAYER_TYPES.gzip }], { Cmd: ['/ok.txt'] });
    const r = await berth(['pull', `${reg.host}/hostile/${c.name}:v1`]);
    assert.equal(r.code, 1, `${c.name}: pull must fail\n${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, c.expect, `${c.name}: ${r.stderr}`);
    assert.equal(canaryState(), before, `${c.name}: nothing outside changed`);
    const s = openImageStore(berth.root, { driver: 'copy' });
    try {
      assert.deepEqual(s.snapshotter.list().map((x) => `${x.kind} ${x.key}`), [], `${c.name}: no snapshot left`);
      assert.deepEqual(s.metadata.list(), [], `${c.name}: no image named`);
    } finally { s.close(); }
  }
});

test('pullAndUnpack (overlay) refuses the same layers and device nodes when devices are not allowed', { skip: !isRoot && 'needs root' }, async () => {
  const before = canaryState();
  const dev = { name: 'device', items: () => [ok, { entry: { name: 'dev/sda', type: 'block' as const, devmajor: 8, devminor: 0 } }], expect: /device nodes are not allowed/ };
  for (const c of [...cases, dev]) {
    const root = join(tmp, 'roots', `api-${c.name}`);
    const s = openImageStore(root, { driver: 'overlay' });
    try {
      const layer = await layerBytes(c);
      await pushRawImage(reg.url, `hostile-api/${c.name}`, 'v1', [{ ...layer, mediaType: LAYER_TYPES.gzip }]);
      const client = new RegistryClient({ domain: reg.host, credentials: null, registries: { insecure: [] } });
      await assert.rejects(pullAndUnpack(`${reg.host}/hostile-api/${c.name}:v1`, { store: s, client, allowDevices: false }), (e: Error) => {
        assert.match(`${e.name}: ${e.message}`, c.expect, c.name);
        return true;
      });
      assert.equal(canaryState(), before, `${c.name}: nothing outside changed`);
      assert.deepEqual(s.snapshotter.list().map((x) => `${x.kind} ${x.key}`), [], `${c.name}: no snapshot left`);
      assert.deepEqual(s.metadata.list(), []);
      // every snapshot dir is gone too (no half-unpacked layer kept on disk)
      assert.deepEqual(readdirSync(s.snapshotter.root).filter((n) => /^\d+$/.test(n)), [], `${c.name}: snapshot dirs removed`);
    } finally { s.close(); }
  }
});

for (const driver of ['copy', 'overlay'] as const) {
  test(`a lower layer's symlink out is never followed by an upper layer (${driver}): the image shows a directory there`, { skip: !isRoot && 'needs root' }, async () => {
    const before = canaryState();
    const lower = await tarOf([{ entry: { name: 'link', type: 'symlink', linkname: canary } }, { entry: { name: 'rel', type: 'symlink', linkname: '../'.repeat(30) + canary.slice(1) } }]);
    const upper = await tarOf([
      { entry: { name: 'link/pwned', type: 'file', mode: 0o644 }, body: Buffer.from('inside\n') },
      { entry: { name: 'rel/secret', type: 'file', mode: 0o644 }, body: Buffer.from('inside too\n') },
    ]);
    const repo = `cross/${driver}`;
    const pushed = await pushRawImage(reg.url, repo, 'v1', [{ data: gzipSync(lower), mediaType: LAYER_TYPES.gzip }, { data: gzipSync(upper), mediaType: LAYER_TYPES.gzip }]);
    const dir = join(tmp, 'roots', `cross-${driver}`);
    const r = await startBerth(dir, ['pull', `${reg.host}/${repo}:v1`], { BERTH_SNAPSHOTTER: driver }).done;
    assert.equal(r.code, 0, r.stderr);
    assert.equal(canaryState(), before, 'nothing written through the lower layer\'s symlinks');
    const s = openImageStore(join(dir, 'root'), { driver });
    try {
      const top = chainIDs(pushed.layers.map((l) => l.diffId))[1];
      assert.equal(readFileSync(join(s.snapshotter.fsPath(top), 'link/pwned'), 'utf8'), 'inside\n');
      assert.equal(readFileSync(join(s.snapshotter.fsPath(top), 'rel/secret'), 'utf8'), 'inside too\n');
    } finally { s.close(); }
  });
}
