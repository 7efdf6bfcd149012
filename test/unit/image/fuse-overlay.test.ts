// fuse-overlayfs as the overlay mount program (src/image/snapshots/fuse-overlay.ts): the
// BERTH_OVERLAY setting, which native failures fall back to it, and its arguments.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fuseOverlayArgs, overlayMode, refusedOverlay } from '../../../src/image/snapshots/fuse-overlay.ts';
import { MountOpError } from '../../../src/util/native-mount.ts';

test('BERTH_OVERLAY: auto by default, native or fuse-overlayfs, anything else refused with the choices', () => {
  assert.equal(overlayMode({}), 'auto');
  assert.equal(overlayMode({ BERTH_OVERLAY: 'auto' }), 'auto');
  assert.equal(overlayMode({ BERTH_OVERLAY: 'native' }), 'native');
  assert.equal(overlayMode({ BERTH_OVERLAY: 'fuse-overlayfs' }), 'fuse-overlayfs');
  assert.throws(() => overlayMode({ BERTH_OVERLAY: 'fuse' }), /BERTH_OVERLAY=fuse: expected auto, native or fuse-overlayfs/);
});

test('only an overlay mount refused with EPERM or EINVAL falls back', () => {
  const overlay = { op: 'overlay' as const, target: '/t', lowerdirs: ['/l'] };
  assert.equal(refusedOverlay(new MountOpError(0, overlay, 1, 'mount overlay on /t: Operation not permitted')), true);
  assert.equal(refusedOverlay(new MountOpError(0, overlay, 22, 'mount overlay on /t: Invalid argument')), true);
  assert.equal(refusedOverlay(new MountOpError(0, overlay, 2, 'mount overlay on /t: No such file or directory')), false);
  assert.equal(refusedOverlay(new MountOpError(0, { op: 'bind', source: '/a', target: '/t', recursive: true }, 1, 'bind: Operation not permitted')), false);
  assert.equal(refusedOverlay(new Error('other')), false);
});

test('fuse-overlayfs arguments: the same directories; read-only without upper and work dirs; no volatile', () => {
  assert.deepEqual(fuseOverlayArgs({ op: 'overlay', target: '/c/rootfs', lowerdirs: ['/s/2/fs', '/s/1/fs'], upperdir: '/s/3/fs', workdir: '/s/3/work', extra: ['volatile'] }),
    ['-o', 'lowerdir=/s/2/fs:/s/1/fs,upperdir=/s/3/fs,workdir=/s/3/work', '/c/rootfs']);
  assert.deepEqual(fuseOverlayArgs({ op: 'overlay', target: '/v', lowerdirs: ['/s/2/fs', '/s/1/fs'] }), ['-o', 'lowerdir=/s/2/fs:/s/1/fs', '/v']);
});
