// upperToLayer (src/image/snapshots/diff.ts): overlayfs's upper-directory markers as OCI layer
// entries, on entries shaped as GNU tar reports them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { upperToLayer } from '../../../src/image/snapshots/diff.ts';
import type { CollectedEntry } from '../../../src/image/tar/collect.ts';
import type { TarEntry } from '../../../src/image/tar/entry.ts';

function entry(name: string, type: TarEntry['type'], more: Partial<TarEntry> = {}, data = Buffer.alloc(0)): CollectedEntry {
  return { entry: { name, type, mode: 0o755, uid: 0, gid: 0, uname: '', gname: '', size: data.length, mtime: 100, linkname: '', devmajor: 0, devminor: 0, xattrs: new Map(), ...more }, data };
}

test('whiteouts, opaque directories, overlay xattrs dropped, hard links relative', () => {
  const items = upperToLayer([
    entry('./', 'dir'),
    entry('./etc/', 'dir', { xattrs: new Map([['trusted.overlay.impure', Buffer.from('y')]]) }),
    entry('./etc/gone', 'char', { devmajor: 0, devminor: 0 }),
    entry('./data/', 'dir', { xattrs: new Map([['trusted.overlay.opaque', Buffer.from('y')], ['user.keep', Buffer.from('1')]]) }),
    entry('./data/new', 'file', { mode: 0o644 }, Buffer.from('new\n')),
    entry('./data/same', 'link', { linkname: './data/new' }),
    entry('./dev/null', 'char', { devmajor: 1, devminor: 3 }),
    entry('./bin/tool', 'file', { xattrs: new Map([['security.capability', Buffer.from([1, 2])]]) }, Buffer.from('x')),
  ]);
  const names = items.map((i) => `${i.entry.name}:${i.entry.type}`);
  assert.deepEqual(names, ['etc/:dir', 'etc/.wh.gone:file', 'data/:dir', 'data/.wh..wh..opq:file', 'data/new:file', 'data/same:link', 'dev/null:char', 'bin/tool:file']);
  assert.equal(items[0].entry.xattrs, undefined, 'trusted.overlay.* dropped');
  assert.deepEqual([...(items[2].entry.xattrs as Map<string, Buffer>).keys()], ['user.keep']);
  assert.equal(items[1].entry.size, 0);
  assert.equal(items[5].entry.linkname, 'data/new');
  assert.deepEqual([items[6].entry.devmajor, items[6].entry.devminor], [1, 3], 'a real device stays a device');
  assert.deepEqual((items[7].entry.xattrs as Map<string, Buffer>).get('security.capability'), Buffer.from([1, 2]));
  assert.equal(items[4].body?.toString(), 'new\n');
});

test('an upper directory of an overlay in a user namespace (userxattr): user.overlay.* read and dropped the same way', () => {
  const items = upperToLayer([
    entry('./', 'dir'),
    entry('./x/', 'dir', { xattrs: new Map([['user.overlay.opaque', Buffer.from('y')], ['user.overlay.impure', Buffer.from('y')], ['user.keep', Buffer.from('1')]]) }),
    entry('./x/b', 'file', { mode: 0o644 }, Buffer.from('b\n')),
    entry('./y/', 'dir', { xattrs: new Map([['user.overlay.opaque', Buffer.from('n')]]) }),
  ]);
  assert.deepEqual(items.map((i) => i.entry.name), ['x/', 'x/.wh..wh..opq', 'x/b', 'y/']);
  assert.deepEqual([...(items[0].entry.xattrs as Map<string, Buffer>).keys()], ['user.keep'], 'user.overlay.* dropped, other user.* kept');
  assert.equal(items[3].entry.xattrs, undefined);
});
