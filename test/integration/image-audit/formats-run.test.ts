// One image, three layer encodings (gzip pushed through the API, zstd made by skopeo's
// --dest-compress-format zstd, uncompressed), pulled with `berth pull`, made into a bundle by
// prepareBundle and run by berth-runtime (not runc): Entrypoint/Cmd/Env/WorkingDir/User of the
// image, and every kind of file a layer holds (hard links, symlinks, fifos, devices, xattrs,
// owners, modes, mtimes, whiteouts, opaque dirs) read back from the container's rootfs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { appendFileSync, lstatSync, mkdirSync, readFileSync, readlinkSync, symlinkSync, utimesSync, writeFileSync, chownSync, chmodSync, linkSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { openImageStore, prepareBundle } from '../../../src/image/index.ts';
import { skopeoInspectRaw } from '../../helpers/images.ts';
import { startRegistry, type RegistryInstance } from '../../helpers/registry.ts';
import { isRoot, makeBusyboxRootfs, makeTemp, removeTemp } from '../../helpers/rootfs.ts';
import { build, cli } from '../runtime/support.ts';
import { LAYER_TYPES, pushRawImage, startBerth } from './support.ts';

const execFileP = promisify(execFile);
let tmp: string;
let reg: RegistryInstance;

const RUN = {
  Entrypoint: ['/bin/sh', '-c'],
  Cmd: ['id -u; id -g; id -G; pwd; echo "$GREETING"; ls /features/opaque; test -e /base/gone && echo gone-visible; cat /base/kept'],
  Env: ['PATH=/bin', 'GREETING=hello from the image'],
  WorkingDir: '/srv/app',
  User: 'app',
};
const EXPECTED_OUT = '1000\n1000\n1000 2000\n/srv/app\nhello from the image\nnew\nkept\n';

/** GNU tar (posix, xattrs, numeric owners) of `dir`. */
const gnuTar = (dir: string) => execFileSync('tar', ['--format=posix', '--numeric-owner', '--xattrs', '--xattrs-include=*', '-C', dir, '-cf', '-', '.'], { maxBuffer: 64 << 20 });

before(async () => {
  if (!isRoot) return;
  build();
  tmp = makeTemp('berth-test-audit-formats-');
  reg = await startRegistry();
  // layer 0: busybox, a user and a group, /base with files the next layers remove or hide
  const l0 = makeBusyboxRootfs(join(tmp, 'l0'));
  appendFileSync(join(l0, 'etc/passwd'), 'app:x:1000:1000:app:/home/app:/bin/sh\n');
  appendFileSync(join(l0, 'etc/group'), 'app:x:1000:\nextra:x:2000:app\n');
  mkdirSync(join(l0, 'base'));
  writeFileSync(join(l0, 'base/gone'), 'removed by a whiteout\n');
  writeFileSync(join(l0, 'base/kept'), 'kept\n');
  mkdirSync(join(l0, 'features/opaque'), { recursive: true });
  writeFileSync(join(l0, 'features/opaque/old'), 'hidden by an opaque dir\n');
  // layer 1: every file kind
  const l1 = join(tmp, 'l1');
  mkdirSync(join(l1, 'features/opaque'), { recursive: true });
  writeFileSync(join(l1, 'features/opaque/new'), 'new\n');
  writeFileSync(join(l1, 'features/opaque/.wh..wh..opq'), '');
  mkdirSync(join(l1, 'base'));
  writeFileSync(join(l1, 'base/.wh.gone'), '');
  const f = join(l1, 'features');
  writeFileSync(join(f, 'file'), 'data\n');
  chownSync(join(f, 'file'), 1234, 5678);
  chmodSync(join(f, 'file'), 0o4751);
  utimesSync(join(f, 'file'), 1_000_000_000, 1_000_000_000);
  linkSync(join(f, 'file'), join(f, 'hardlink'));
  symlinkSync('file', join(f, 'symlink'));
  execFileSync('mkfifo', ['-m', '0640', join(f, 'fifo')]);
  execFileSync('mknod', ['-m', '0600', join(f, 'null'), 'c', '1', '3']);
  execFileSync('python3', ['-c', 'import os,sys; os.setxattr(sys.argv[1], "user.berth", b"xattr-value")', join(f, 'file')]);
  mkdirSync(join(l1, 'srv/app'), { recursive: true });
  const t0 = gnuTar(l0);
  const t1 = gnuTar(l1);
  const gz = (t: Buffer) => execFileSync('gzip', ['-n', '-c'], { input: t, maxBuffer: 64 << 20 });
  await pushRawImage(reg.url, 'audit/run', 'gzip', [{ data: gz(t0), mediaType: LAYER_TYPES.gzip }, { data: gz(t1), mediaType: LAYER_TYPES.gzip }], RUN);
  await pushRawImage(reg.url, 'audit/run', 'tar', [{ data: t0, mediaType: LAYER_TYPES.tar }, { data: t1, mediaType: LAYER_TYPES.tar }], RUN);
  // into another repository: skopeo reuses blobs the destination has instead of recompressing
  await execFileP('skopeo', ['copy', '--src-tls-verify=false', '--dest-tls-verify=false', '--dest-compress', '--dest-compress-format', 'zstd',
    `docker://${reg.host}/audit/run:gzip`, `docker://${reg.host}/audit/run-zstd:zstd`]);
});
after(async () => {
  await reg?.stop();
  if (tmp) removeTemp(tmp);
});

for (const [tag, driver] of [['zstd', 'overlay'], ['gzip', 'copy'], ['tar', 'overlay'], ['zstd', 'copy']] as const) {
  test(`${tag} layers (${driver}): berth pull → prepareBundle → berth-runtime run`, { skip: !isRoot && 'needs root' }, async (t) => {
    const ref = `${reg.host}/audit/${tag === 'zstd' ? 'run-zstd' : 'run'}:${tag}`;
    const layerTypes = (JSON.parse((await skopeoInspectRaw(ref)).toString()) as { layers: { mediaType: string }[] }).layers.map((l) => l.mediaType);
    const expectedType = tag === 'zstd' ? /\.tar\+zstd$/ : tag === 'gzip' ? /\.tar\+gzip$/ : /\.tar$/;
    for (const m of layerTypes) assert.match(m, expectedType, 'the registry holds the layer encoding under test');

    const dir = join(tmp, `${tag}-${driver}`);
    const state = join(dir, 'runtime');
    const id = `berth-audit-${tag}-${driver}-${process.pid}`;
    let cleanup: (() => void) | undefined;
    const s = openImageStore(join(dir, 'root'), { driver });
    t.after(() => {
      cli(state, ['delete', '--force', id]);
      cleanup?.();
      s.close();
    });
    const pulled = await startBerth(dir, ['pull', ref], { BERTH_SNAPSHOTTER: driver }).done;
    assert.equal(pulled.code, 0, pulled.stderr);

    const b = await prepareBundle(ref, id, { store: s });
    cleanup = b.cleanup;
    const r = cli(state, ['run', '--bundle', b.bundleDir, id], { timeout: 120_000 });
    assert.equal(r.stderr, '');
    assert.equal(r.code, 0);
    assert.equal(r.stdout, EXPECTED_OUT);

    // the files of layer 1, as the container sees them
    const f = join(b.rootfs, 'features');
    const file = lstatSync(join(f, 'file'));
    assert.deepEqual([file.uid, file.gid, file.mode & 0o7777, file.mtimeMs], [1234, 5678, 0o4751, 1_000_000_000_000]);
    assert.equal(readFileSync(join(f, 'hardlink'), 'utf8'), 'data\n');
    assert.equal(lstatSync(join(f, 'hardlink')).ino, file.ino, 'hard link shares the inode');
    assert.equal(readlinkSync(join(f, 'symlink')), 'file');
    assert.ok(lstatSync(join(f, 'fifo')).isFIFO());
    assert.equal(lstatSync(join(f, 'fifo')).mode & 0o777, 0o640);
    const dev = lstatSync(join(f, 'null'));
    assert.ok(dev.isCharacterDevice());
    assert.equal(dev.rdev, (1 << 8) | 3);
    assert.equal(execFileSync('python3', ['-c', 'import os,sys; print(os.getxattr(sys.argv[1], "user.berth").decode())', join(f, 'file')], { encoding: 'utf8' }), 'xattr-value\n');
    assert.equal(existsSync(join(b.rootfs, 'base/gone')), false, 'whiteout hides the lower file');
    assert.equal(existsSync(join(b.rootfs, 'features/opaque/old')), false, 'opaque dir hides the lower entries');
    assert.equal(existsSync(join(b.rootfs, 'base/.wh.gone')), false);
  });
}
