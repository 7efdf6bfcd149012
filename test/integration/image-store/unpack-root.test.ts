// Unpacking what needs root: devices, owners, xattrs (forged overlay ones dropped), hard links
// to special files, overlay whiteouts made by crafted tars.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { packTar, type PackItem } from '../../../src/image/tar/index.ts';
import { unpackLayer } from '../../../src/image/unpack/index.ts';
import { isRoot, makeTemp, removeTemp } from '../../helpers/rootfs.ts';

async function* tarOf(items: PackItem[]) { yield* packTar(items); }

function xattrs(path: string): Record<string, string> {
  const out = execFileSync('/usr/bin/python3', ['-c', `import os,sys,json
print(json.dumps({k: os.getxattr(sys.argv[1], k, follow_symlinks=False).hex() for k in os.listxattr(sys.argv[1], follow_symlinks=False)}))`, path], { encoding: 'utf8' });
  return JSON.parse(out) as Record<string, string>;
}

test('devices, fifos and hard links to them, owners, setuid, xattrs; forged overlay xattrs dropped', async (t) => {
  if (!isRoot) return t.skip('needs root');
  const dir = makeTemp('berth-test-unpack-root-');
  t.after(() => removeTemp(dir));
  const layer = join(dir, 'layer');
  mkdirSync(layer);
  const cap = Buffer.from('0100000200200000000000000000000000000000', 'hex'); // vfs_cap_data v2: cap_net_raw permitted
  const r = await unpackLayer(tarOf([
    { entry: { name: 'dev/', type: 'dir', mode: 0o755 } },
    { entry: { name: 'dev/sda', type: 'block', devmajor: 8, devminor: 0, mode: 0o660, uid: 0, gid: 6 } },
    { entry: { name: 'dev/tty0', type: 'char', devmajor: 4, devminor: 0, mode: 0o620, uid: 0, gid: 5, mtime: 1400000000 } },
    { entry: { name: 'run/fifo', type: 'fifo', mode: 0o600, uid: 42, gid: 43 } },
    { entry: { name: 'run/fifo-link', type: 'link', linkname: 'run/fifo' } },
    { entry: { name: 'bin/ping', type: 'file', mode: 0o4755, uid: 0, gid: 0, xattrs: { 'security.capability': cap } }, body: Buffer.from('ELF') },
    { entry: { name: 'home/u/', type: 'dir', mode: 0o2750, uid: 1000, gid: 1000 } },
    { entry: { name: 'home/u/file', type: 'file', mode: 0o4711, uid: 1000, gid: 1000, xattrs: { 'user.tag': 'v', 'trusted.overlay.opaque': 'y', 'trusted.overlay.redirect': '/etc' } }, body: Buffer.from('x') },
    { entry: { name: 'home/u/link', type: 'symlink', linkname: 'file', uid: 1000, gid: 1000 } },
    { entry: { name: 'gone/.wh.thing', type: 'file' }, body: Buffer.alloc(0) },
    { entry: { name: 'opaque/.wh..wh..opq', type: 'file' }, body: Buffer.alloc(0) },
  ]), layer, { whiteouts: 'overlay' });
  assert.equal(r.entries, 11);
  const sda = lstatSync(join(layer, 'dev/sda'));
  assert.ok(sda.isBlockDevice());
  assert.deepEqual([sda.rdev, sda.mode & 0o7777, sda.gid], [8 << 8, 0o660, 6]);
  const tty = lstatSync(join(layer, 'dev/tty0'));
  assert.ok(tty.isCharacterDevice());
  assert.equal(tty.mtimeMs, 1400000000000);
  const fifo = lstatSync(join(layer, 'run/fifo'));
  assert.ok(fifo.isFIFO());
  assert.deepEqual([fifo.uid, fifo.gid, fifo.mode & 0o7777], [42, 43, 0o600]);
  assert.equal(lstatSync(join(layer, 'run/fifo-link')).ino, fifo.ino, 'hard link to a special file made in the same layer');
  assert.equal(statSync(join(layer, 'bin/ping')).mode & 0o7777, 0o4755);
  assert.equal(xattrs(join(layer, 'bin/ping'))['security.capability'], cap.toString('hex'));
  const home = statSync(join(layer, 'home/u'));
  assert.deepEqual([home.uid, home.gid, home.mode & 0o7777], [1000, 1000, 0o2750]);
  const f = statSync(join(layer, 'home/u/file'));
  assert.deepEqual([f.uid, f.gid, f.mode & 0o7777], [1000, 1000, 0o4711], 'setuid survives the chown');
  const fx = xattrs(join(layer, 'home/u/file'));
  assert.deepEqual(Object.keys(fx).sort(), ['user.tag'], 'trusted.overlay.* from a layer are dropped');
  assert.equal(lstatSync(join(layer, 'home/u/link')).uid, 1000);
  const wh = lstatSync(join(layer, 'gone/thing'));
  assert.ok(wh.isCharacterDevice() && wh.rdev === 0);
  assert.equal(xattrs(join(layer, 'opaque'))['trusted.overlay.opaque'], Buffer.from('y').toString('hex'));
});

test('overlay mode: a whiteout and a file of the same name in one layer leave the file', async (t) => {
  if (!isRoot) return t.skip('needs root');
  const dir = makeTemp('berth-test-unpack-root-');
  t.after(() => removeTemp(dir));
  const layer = join(dir, 'layer');
  mkdirSync(layer);
  await unpackLayer(tarOf([
    { entry: { name: '.wh.a', type: 'file' }, body: Buffer.alloc(0) },
    { entry: { name: 'a', type: 'file' }, body: Buffer.from('file a') },
    { entry: { name: 'b', type: 'file' }, body: Buffer.from('file b') },
    { entry: { name: '.wh.b', type: 'file' }, body: Buffer.alloc(0) },
    { entry: { name: '.wh.c', type: 'file' }, body: Buffer.alloc(0) },
  ]), layer, { whiteouts: 'overlay' });
  assert.ok(lstatSync(join(layer, 'a')).isFile());
  assert.ok(lstatSync(join(layer, 'b')).isFile());
  assert.ok(lstatSync(join(layer, 'c')).isCharacterDevice());
});
