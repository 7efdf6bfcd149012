// The argv that src/util/native-mount.ts hands build/berth-mount, the snapshotter's mounts turned
// into its ops, and how a failure line comes back as a typed error (no mounts made here).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { mountOps } from '../../../src/image/snapshots/snapshotter.ts';
import { MountHelperMissingError, MountOpError, encodeMountOps, mountHelperPath, runMountOps, runMountOpsAsync } from '../../../src/util/native-mount.ts';

test('encodeMountOps: each op with its fixed arguments, in order', () => {
  assert.deepEqual(encodeMountOps([
    { op: 'overlay', target: '/m', lowerdirs: ['/l2', '/l1'], upperdir: '/u', workdir: '/w' },
    { op: 'overlay', target: '/m', lowerdirs: ['/l'], extra: ['uuid=null', 'xino=off'] },
    { op: 'bind', source: '/s', target: '/t' },
    { op: 'bind', source: '/s', target: '/t', recursive: false },
    { op: 'remount-ro', target: '/t' },
    { op: 'umount', path: '/a' },
    { op: 'umount', path: '/b', lazy: true },
    { op: 'umount', path: '/c', lazy: true, missingOk: true },
    { op: 'umount', path: '/d', missingOk: true },
    { op: 'shared', dir: '/run/x' },
    { op: 'netns', path: '/run/x/n' },
    { op: 'umount-if-empty', dir: '/run/x' },
    { op: 'unlink', path: '/run/x/n' },
    { op: 'mkfifo', path: '/f', mode: 0o600 },
    { op: 'mkfifo', path: '/g', mode: 0o4755 },
    { op: 'podns', ipc: '/p/i', uts: '/p/u', hostname: 'h', netns: '/n', sysctls: { 'kernel.msgmax': '9000', 'net.ipv4.ip_local_port_range': '1024 65000' } },
    { op: 'podns', ipc: '/p/i' },
  ]), [
    'overlay', '/m', '/l2:/l1', '/u', '/w', '',
    'overlay', '/m', '/l', '', '', 'uuid=null,xino=off',
    'rbind', '/s', '/t',
    'bind', '/s', '/t',
    'remount-ro', '/t',
    'umount', '/a', '',
    'umount', '/b', 'lazy',
    'umount', '/c', 'lazy,missing-ok',
    'umount', '/d', 'missing-ok',
    'shared', '/run/x',
    'netns', '/run/x/n',
    'umount-if-empty', '/run/x',
    'unlink', '/run/x/n',
    'mkfifo', '/f', '600',
    'mkfifo', '/g', '4755',
    'podns', '/p/i', '/p/u', 'h', '/n', 'kernel.msgmax=9000\nnet.ipv4.ip_local_port_range=1024 65000',
    'podns', '/p/i', '', '', '', '',
  ]);
});

test('encodeMountOps refuses what the helper could not take', () => {
  assert.throws(() => encodeMountOps([{ op: 'overlay', target: '/m', lowerdirs: [] }]), /lowerdir/);
  assert.throws(() => encodeMountOps([{ op: 'overlay', target: '/m', lowerdirs: ['/l'], upperdir: '/u' }]), /upperdir and workdir/);
  assert.throws(() => encodeMountOps([{ op: 'mkfifo', path: '/f', mode: 0o10000 }]), /bad mode/);
  assert.throws(() => encodeMountOps([{ op: 'mkfifo', path: '/f', mode: 1.5 }]), /bad mode/);
  assert.throws(() => encodeMountOps([{ op: 'unlink', path: '/a\0b' }]), /NUL/);
  assert.throws(() => encodeMountOps([{ op: 'podns', ipc: '/i', sysctls: { 'a=b': '1' } }]), /bad sysctl/);
  assert.throws(() => encodeMountOps([{ op: 'podns', ipc: '/i', sysctls: { 'kernel.x': '1\nnet.y=2' } }]), /bad sysctl/);
});

test('mountOps: the snapshotter\'s mounts as helper steps', () => {
  assert.deepEqual(mountOps([{ type: 'bind', source: '/s/1/fs', options: ['rbind', 'rw'] }], '/c/rootfs'), [
    { op: 'bind', source: '/s/1/fs', target: '/c/rootfs', recursive: true },
  ]);
  assert.deepEqual(mountOps([{ type: 'bind', source: '/s/1/fs', options: ['rbind', 'ro'] }], '/c/rootfs'), [
    { op: 'bind', source: '/s/1/fs', target: '/c/rootfs', recursive: true },
    { op: 'remount-ro', target: '/c/rootfs' },
  ]);
  assert.deepEqual(mountOps([{ type: 'overlay', source: 'overlay', options: ['workdir=/s/3/work', 'upperdir=/s/3/fs', 'lowerdir=/s/2/fs:/s/1/fs'] }], '/c/rootfs'), [
    { op: 'overlay', target: '/c/rootfs', lowerdirs: ['/s/2/fs', '/s/1/fs'], upperdir: '/s/3/fs', workdir: '/s/3/work' },
  ]);
  assert.deepEqual(mountOps([{ type: 'overlay', source: 'overlay', options: ['lowerdir=/s/2/fs:/s/1/fs', 'index=off'] }], '/v'), [
    { op: 'overlay', target: '/v', lowerdirs: ['/s/2/fs', '/s/1/fs'], extra: ['index=off'] },
  ]);
  assert.throws(() => mountOps([{ type: 'overlay', source: 'overlay', options: ['upperdir=/u'] }], '/v'), /without a lowerdir/);
});

const built = existsSync(mountHelperPath()) ? false : 'build/berth-mount is not built (scripts/build.sh)';

test('a failing op comes back as MountOpError with its index, errno and code', { skip: built }, async () => {
  // A FIFO in a directory that does not exist: fails the same for root and everyone else.
  const missing = join('/nonexistent-berth-dir', String(process.pid));
  const ops = [{ op: 'unlink', path: join(missing, 'a') }, { op: 'mkfifo', path: join(missing, 'f'), mode: 0o600 }] as const;
  const check = (e: unknown) => {
    assert.ok(e instanceof MountOpError);
    assert.equal(e.index, 1);
    assert.equal(e.op, ops[1]);
    assert.equal(e.errno, 2);
    assert.equal(e.code, 'ENOENT');
    assert.equal(e.detail, `mkfifo ${join(missing, 'f')}: No such file or directory`);
    return true;
  };
  assert.throws(() => runMountOps([...ops]), check);
  await assert.rejects(runMountOpsAsync([...ops]), check);
});

test('a missing helper is named, with how to get it', () => {
  const saved = process.env.BERTH_MOUNT;
  process.env.BERTH_MOUNT = '/nonexistent-berth-dir/berth-mount';
  try {
    assert.throws(() => runMountOps([{ op: 'unlink', path: '/nonexistent-berth-dir/x' }]), (e: unknown) => e instanceof MountHelperMissingError && /make -C native/.test(e.message));
    assert.doesNotThrow(() => runMountOps([]), 'nothing to do: no exec, no error');
  } finally {
    if (saved === undefined) delete process.env.BERTH_MOUNT; else process.env.BERTH_MOUNT = saved;
  }
});
