// Layers built with GNU tar, unpacked into snapshots (overlay and the copying fallback),
// mounted and read back: whiteouts across three layers, owners, modes, devices, xattrs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync, symlinkSync, chownSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { openImageStore, garbageCollect } from '../../../src/image/store/index.ts';
import { chainIDs, unpackImage, mountAll, unmount, defaultDriver } from '../../../src/image/snapshots/index.ts';
import { isRoot, makeTemp, removeTemp } from '../../helpers/rootfs.ts';
import { gnuTarGz, storeImage } from './fixtures.ts';

function getxattr(path: string, name: string): string | null {
  const out = execFileSync('/usr/bin/python3', ['-c', `import os,sys
try: sys.stdout.write(os.getxattr(sys.argv[1], sys.argv[2], follow_symlinks=False).decode())
except OSError: sys.stdout.write('\\0')`, path, name], { encoding: 'utf8' });
  return out === '\0' ? null : out;
}
function setxattr(path: string, name: string, value: string): void {
  execFileSync('/usr/bin/python3', ['-c', 'import os,sys; os.setxattr(sys.argv[1], sys.argv[2], sys.argv[3].encode())', path, name, value]);
}

function buildLayers(dir: string): Buffer[] {
  const l1 = join(dir, 'l1'), l2 = join(dir, 'l2'), l3 = join(dir, 'l3');
  for (const d of ['a', 'd', 'dev', 'owned']) mkdirSync(join(l1, d), { recursive: true });
  writeFileSync(join(l1, 'a/1'), 'one');
  writeFileSync(join(l1, 'a/2'), 'two');
  writeFileSync(join(l1, 'd/x'), 'x');
  writeFileSync(join(l1, 'keep'), 'keep');
  writeFileSync(join(l1, 'owned/file'), 'mine');
  chownSync(join(l1, 'owned/file'), 1234, 5678);
  chownSync(join(l1, 'owned'), 1000, 1000);
  chmodSync(join(l1, 'owned/file'), 0o4750);
  symlinkSync('../keep', join(l1, 'a/ln'));
  execFileSync('mknod', [join(l1, 'dev/null'), 'c', '1', '3']);
  execFileSync('mkfifo', [join(l1, 'dev/fifo')]);
  setxattr(join(l1, 'keep'), 'user.berth', 'hello');
  execFileSync('touch', ['-h', '-d', '@1111111111', join(l1, 'a/ln'), join(l1, 'keep')]);
  // layer 2: delete a/1, make d opaque (only y survives), add b
  mkdirSync(join(l2, 'a'), { recursive: true });
  mkdirSync(join(l2, 'd'), { recursive: true });
  writeFileSync(join(l2, 'a/.wh.1'), '');
  writeFileSync(join(l2, 'd/.wh..wh..opq'), '');
  writeFileSync(join(l2, 'd/y'), 'y');
  writeFileSync(join(l2, 'b'), 'b');
  // layer 3: a/1 comes back, b goes
  mkdirSync(join(l3, 'a'), { recursive: true });
  writeFileSync(join(l3, 'a/1'), 'back');
  writeFileSync(join(l3, '.wh.b'), '');
  return [gnuTarGz(l1, join(dir, 'l1.tgz')), gnuTarGz(l2, join(dir, 'l2.tgz')), gnuTarGz(l3, join(dir, 'l3.tgz'))];
}

for (const driver of ['overlay', 'copy'] as const) {
  test(`three GNU-tar layers with whiteouts, ${driver} snapshotter, mounted and read back`, async (t) => {
    if (!isRoot) return t.skip('needs root');
    const dir = makeTemp('berth-test-snap-');
    const mnt = join(dir, 'mnt');
    mkdirSync(mnt);
    let mounted = false;
    const s = openImageStore(join(dir, 'root'), { driver: defaultDriver({ BERTH_SNAPSHOTTER: driver }) });
    t.after(() => { if (mounted) unmount(mnt); s.close(); removeTemp(dir); });
    assert.equal(s.snapshotter.driver, driver);
    const img = await storeImage(s, 'test/whiteouts:latest', buildLayers(dir));
    const r = await unpackImage(s.content, s.snapshotter, img.manifest, img.config);
    assert.equal(r.unpacked, 3);
    const chains = chainIDs(img.config.rootfs.diff_ids);
    assert.equal(r.chainID, chains[2]);
    assert.deepEqual(s.snapshotter.list().map((x) => [x.key, x.kind]), chains.map((c) => [c, 'committed']));
    // A second unpack reuses the snapshots.
    assert.equal((await unpackImage(s.content, s.snapshotter, img.manifest, img.config)).unpacked, 0);

    if (driver === 'overlay') {
      const l2 = s.snapshotter.fsPath(chains[1]);
      const wh = lstatSync(join(l2, 'a/1'));
      assert.ok(wh.isCharacterDevice() && wh.rdev === 0, 'overlay whiteout is a 0/0 char device');
      assert.equal(getxattr(join(l2, 'd'), 'trusted.overlay.opaque'), 'y');
    }

    const mounts = s.snapshotter.prepare('ctr-1', r.chainID);
    mountAll(mounts, mnt);
    mounted = true;
    assert.equal(readFileSync(join(mnt, 'a/1'), 'utf8'), 'back');
    assert.equal(readFileSync(join(mnt, 'a/2'), 'utf8'), 'two');
    assert.deepEqual(readdirSync(join(mnt, 'd')), ['y']);
    assert.equal(existsSync(join(mnt, 'b')), false);
    assert.equal(readFileSync(join(mnt, 'keep'), 'utf8'), 'keep');
    assert.equal(getxattr(join(mnt, 'keep'), 'user.berth'), 'hello');
    assert.equal(statSync(join(mnt, 'keep')).mtimeMs, 1111111111000);
    assert.equal(lstatSync(join(mnt, 'a/ln')).mtimeMs, 1111111111000);
    const owned = statSync(join(mnt, 'owned/file'));
    assert.deepEqual([owned.uid, owned.gid, owned.mode & 0o7777], [1234, 5678, 0o4750]);
    assert.deepEqual([statSync(join(mnt, 'owned')).uid, statSync(join(mnt, 'owned')).gid], [1000, 1000]);
    const dev = statSync(join(mnt, 'dev/null'));
    assert.ok(dev.isCharacterDevice());
    assert.equal(dev.rdev, (1 << 8) | 3);
    assert.ok(lstatSync(join(mnt, 'dev/fifo')).isFIFO());
    // The container's writes land in its own snapshot, not in the shared layers.
    writeFileSync(join(mnt, 'new'), 'rw');
    unmount(mnt);
    mounted = false;
    assert.equal(existsSync(join(s.snapshotter.fsPath(chains[2]), 'new')), false);
    assert.equal(readFileSync(join(s.snapshotter.fsPath('ctr-1'), 'new'), 'utf8'), 'rw');

    // GC: with the image named and a container on it, nothing goes.
    const kept = await garbageCollect({ store: s.content, metadata: s.metadata, snapshotter: s.snapshotter, graceMs: 0 });
    assert.deepEqual([kept.blobsRemoved, kept.snapshotsRemoved], [[], []]);
    // Untag: blobs go, the container keeps its layer chain.
    s.metadata.delete('test/whiteouts:latest');
    const g1 = await garbageCollect({ store: s.content, metadata: s.metadata, snapshotter: s.snapshotter, graceMs: 0 });
    assert.equal(g1.blobsRemoved.length, 5, 'three layers, config and manifest');
    assert.deepEqual(g1.snapshotsRemoved, []);
    s.snapshotter.remove('ctr-1');
    const g2 = await garbageCollect({ store: s.content, metadata: s.metadata, snapshotter: s.snapshotter, graceMs: 0 });
    assert.deepEqual(g2.snapshotsRemoved, [chains[2], chains[1], chains[0]]);
    assert.deepEqual(readdirSync(s.snapshotter.root).filter((n) => /^\d+$/.test(n)), []);
  });
}

test('a layer failing its diffID leaves no snapshot behind', async (t) => {
  if (!isRoot) return t.skip('needs root');
  const dir = makeTemp('berth-test-snap-');
  const s = openImageStore(join(dir, 'root'));
  t.after(() => { s.close(); removeTemp(dir); });
  const src = join(dir, 'src');
  mkdirSync(src);
  writeFileSync(join(src, 'f'), 'f');
  const img = await storeImage(s, 'bad', [gnuTarGz(src, join(dir, 'x.tgz'))]);
  img.config.rootfs.diff_ids = ['sha256:' + 'a'.repeat(64)];
  await assert.rejects(unpackImage(s.content, s.snapshotter, img.manifest, img.config), /diffID mismatch/);
  assert.deepEqual(s.snapshotter.list(), []);
  assert.deepEqual(readdirSync(s.snapshotter.root).filter((n) => /^\d+$/.test(n)), []);
});

test('GC keeps young unreferenced blobs (a pull in progress) and removes old ones', async (t) => {
  if (!isRoot) return t.skip('needs root');
  const dir = makeTemp('berth-test-gc-');
  const s = openImageStore(join(dir, 'root'), { driver: 'copy' });
  t.after(() => { s.close(); removeTemp(dir); });
  const orphan = await s.content.putBuffer(Buffer.from('orphan'));
  const g = await garbageCollect({ store: s.content, metadata: s.metadata, snapshotter: s.snapshotter });
  assert.deepEqual(g.blobsRemoved, []);
  const g2 = await garbageCollect({ store: s.content, metadata: s.metadata, snapshotter: s.snapshotter, graceMs: 0 });
  assert.deepEqual(g2.blobsRemoved, [orphan]);
  assert.equal(await s.content.has(orphan), false);
});

test('two concurrent unpacks of one image unpack each layer once', async (t) => {
  if (!isRoot) return t.skip('needs root');
  const dir = makeTemp('berth-test-snap-');
  const s = openImageStore(join(dir, 'root'), { driver: 'copy' });
  t.after(() => { s.close(); removeTemp(dir); });
  const layers: Buffer[] = [];
  for (const n of [1, 2]) {
    const src = join(dir, `src${n}`);
    mkdirSync(src);
    writeFileSync(join(src, `f${n}`), String(n).repeat(100000));
    layers.push(gnuTarGz(src, join(dir, `l${n}.tgz`)));
  }
  const img = await storeImage(s, 'concurrent', layers);
  const [a, b] = await Promise.all([
    unpackImage(s.content, s.snapshotter, img.manifest, img.config),
    unpackImage(s.content, s.snapshotter, img.manifest, img.config),
  ]);
  assert.equal(a.chainID, b.chainID);
  assert.equal(a.unpacked + b.unpacked, 2, 'each layer unpacked by exactly one of them');
  assert.equal(s.snapshotter.list().length, 2);
  assert.equal(readFileSync(join(s.snapshotter.fsPath(a.chainID), 'f1'), 'utf8').length, 100000);
});
