// prepareBundle: a busybox image becomes a bundle that runc runs, with the image's user, env,
// working dir and labels; cleanup leaves nothing mounted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { openImageStore, prepareBundle, imageUser, BundleUserError } from '../../../src/image/index.ts';
import { DOCKER_DEFAULT_CAPS } from '../../../src/oci/docker-defaults.ts';
import { isRoot, makeBusyboxRootfs, makeTemp, removeTemp } from '../../helpers/rootfs.ts';
import { gnuTarGz, storeImage } from './fixtures.ts';

function mounted(path: string): boolean {
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((l) => l.split(' ')[4] === path);
}

for (const driver of ['overlay', 'copy'] as const) {
  test(`prepareBundle (${driver}) → runc runs the image as its user, env, workdir`, async (t) => {
    if (!isRoot) return t.skip('needs root');
    const dir = makeTemp('berth-test-bundle-');
    const s = openImageStore(join(dir, 'root'), { driver });
    const id = `berth-test-bundle-${driver}-${process.pid}`;
    let cleanup: (() => void) | undefined;
    t.after(() => {
      spawnSync('runc', ['delete', '-f', id], { stdio: 'ignore' });
      cleanup?.();
      s.close();
      removeTemp(dir);
    });
    const rootfs = makeBusyboxRootfs(join(dir, 'rootfs'));
    appendFileSync(join(rootfs, 'etc/passwd'), 'app:x:1000:1000:app:/home/app:/bin/sh\n');
    appendFileSync(join(rootfs, 'etc/group'), 'app:x:1000:\nextra:x:2000:app\n');
    await storeImage(s, 'localhost/bundle:v1', [gnuTarGz(rootfs, join(dir, 'l.tgz'))], {
      Entrypoint: ['/bin/sh', '-c'], Cmd: ['id -u; id -g; id -G; pwd; echo "$GREETING"; echo written > /tmp/out'],
      Env: ['GREETING=hello from image', 'PATH=/bin'], User: 'app', WorkingDir: '/srv/app',
      Labels: { 'org.example.team': 'berth' }, ExposedPorts: { '8080/tcp': {} }, Volumes: { '/data': {} }, StopSignal: 'SIGQUIT',
    });
    const b = await prepareBundle('localhost/bundle:v1', id, { store: s, env: ['EXTRA=1'] });
    cleanup = b.cleanup;
    assert.equal(b.snapshotKey, `container-${id}`);
    assert.deepEqual(b.exposedPorts, ['8080/tcp']);
    assert.deepEqual(b.volumes, ['/data']);
    assert.equal(b.stopSignal, 'SIGQUIT');
    if (driver === 'overlay') assert.ok(mounted(b.rootfs), 'rootfs is an overlay mount');
    const spec = JSON.parse(readFileSync(join(b.bundleDir, 'config.json'), 'utf8'));
    assert.deepEqual(spec.process.user, { uid: 1000, gid: 1000, additionalGids: [2000] });
    assert.equal(spec.process.cwd, '/srv/app');
    assert.ok(spec.process.env.includes('EXTRA=1') && spec.process.env.includes('PATH=/bin'));
    assert.deepEqual(spec.process.capabilities.bounding, DOCKER_DEFAULT_CAPS);
    assert.deepEqual(spec.process.capabilities.effective, []);
    assert.equal(spec.annotations['org.example.team'], 'berth');
    assert.ok(spec.linux.maskedPaths.includes('/proc/kcore'));
    const r = spawnSync('runc', ['run', '--bundle', b.bundleDir, id], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, '1000\n1000\n1000 2000\n/srv/app\nhello from image\n');
    // The write went to the container's snapshot, not the image layer.
    assert.equal(readFileSync(join(b.rootfs, 'tmp/out'), 'utf8'), 'written\n');
    spawnSync('runc', ['delete', '-f', id], { stdio: 'ignore' });
    b.cleanup();
    cleanup = undefined;
    assert.equal(mounted(b.rootfs), false);
    assert.equal(existsSync(b.bundleDir), false);
    assert.equal(s.snapshotter.stat(b.snapshotKey), null);
    assert.equal(s.snapshotter.list().length, 1, 'the image layer stays for the next container');
  });
}

test('imageUser reads passwd/group inside the root, never through a symlink out of it', (t) => {
  const dir = makeTemp('berth-test-user-');
  t.after(() => removeTemp(dir));
  const root = join(dir, 'root');
  mkdirSync(join(root, 'etc'), { recursive: true });
  writeFileSync(join(dir, 'hostpasswd'), 'evil:x:0:0::/:/bin/sh\n');
  symlinkSync('../../hostpasswd', join(root, 'etc/passwd'));
  writeFileSync(join(root, 'etc/group'), 'staff:x:50:\n');
  assert.throws(() => imageUser(root, 'evil'), BundleUserError);
  assert.deepEqual(imageUser(root, '123:staff'), { uid: 123, gid: 50 });
  assert.deepEqual(imageUser(root, '7:8'), { uid: 7, gid: 8 });
  assert.deepEqual(imageUser(root, ''), { uid: 0, gid: 0 });
});
