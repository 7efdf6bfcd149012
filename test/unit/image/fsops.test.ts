// build/berth-fsops (native/fsops.c) through runSysOps: fifos, xattrs, times, replacement of a
// non-directory, and refusals: a symlink anywhere on the way, a symlink as the last component
// (never followed), a directory in the way of a node. Unprivileged operations only (fifo, user.*
// xattrs on the temp filesystem); devices and owners are covered by the image-store root tests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, symlinkSync, writeFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { encodeSysOps, fsopsPath, runSysOps, syncFilesystem } from '../../../src/image/unpack/sysops.ts';
import { UnpackError } from '../../../src/image/unpack/errors.ts';
import { makeTemp, removeTemp } from '../../helpers/rootfs.ts';

// Reading xattrs back: Node cannot either; the test uses python3 (the unpacker no longer does).
function getXattr(path: string, name: string): string | null {
  try {
    return execFileSync('python3', ['-c', 'import os,sys; sys.stdout.write(os.getxattr(sys.argv[1], sys.argv[2], follow_symlinks=False).decode())', path, name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch { return null; }
}

function tempRoot(t: { after: (fn: () => void) => void }): string {
  const dir = makeTemp('berth-fsops-');
  t.after(() => removeTemp(dir));
  const root = join(dir, 'root');
  mkdirSync(root);
  return realpathSync(root);
}

test('the helper is built', () => {
  assert.ok(existsSync(fsopsPath()), `${fsopsPath()} missing: run make -C native`);
});

test('fifo with mode and nanosecond times, replacing a file already there', (t) => {
  const root = tempRoot(t);
  mkdirSync(join(root, 'a/b'), { recursive: true });
  writeFileSync(join(root, 'a/b/p'), 'old');
  runSysOps(root, [{ op: 'mknod', rel: 'a/b/p', entry: 'a/b/p', type: 'p', major: 0, minor: 0, mode: 0o640, atime: 1_600_000_000.25, mtime: 1_500_000_000.5 }]);
  const st = lstatSync(join(root, 'a/b/p'), { bigint: true });
  assert.ok(st.isFIFO());
  assert.equal(Number(st.mode & 0o7777n), 0o640);
  assert.equal(st.mtimeNs, 1_500_000_000_500_000_000n);
  assert.equal(st.atimeNs, 1_600_000_000_250_000_000n);
});

test('utimes does not follow a symlink; lchown to our own ids works', (t) => {
  const root = tempRoot(t);
  writeFileSync(join(root, 'target'), 'x');
  symlinkSync('target', join(root, 'link'));
  const before = lstatSync(join(root, 'target'), { bigint: true }).mtimeNs;
  runSysOps(root, [
    { op: 'utimes', rel: 'link', entry: 'link', atime: 1000, mtime: 2000 },
    { op: 'lchown', rel: 'link', entry: 'link', uid: process.getuid!(), gid: process.getgid!() },
  ]);
  assert.equal(lstatSync(join(root, 'link'), { bigint: true }).mtimeNs, 2_000_000_000_000n);
  assert.equal(lstatSync(join(root, 'target'), { bigint: true }).mtimeNs, before);
});

test('xattrs on a file, on a directory and on the root', (t) => {
  const root = tempRoot(t);
  mkdirSync(join(root, 'd'));
  writeFileSync(join(root, 'd/f'), 'x');
  try {
    runSysOps(root, [
      { op: 'setxattr', rel: 'd/f', entry: 'd/f', name: 'user.one', value: Buffer.from('v1') },
      { op: 'setxattr', rel: 'd', entry: 'd/', name: 'user.two', value: Buffer.from('v2') },
      { op: 'setxattr', rel: '', entry: './', name: 'user.root', value: Buffer.from('r') },
    ]);
  } catch (e) {
    if (e instanceof UnpackError && e.code === 'EOPNOTSUPP') { t.skip('no user xattrs on the temp filesystem'); return; }
    throw e;
  }
  assert.equal(getXattr(join(root, 'd/f'), 'user.one'), 'v1');
  assert.equal(getXattr(join(root, 'd'), 'user.two'), 'v2');
  assert.equal(getXattr(root, 'user.root'), 'r');
});

test('a symlinked parent is refused and nothing is made outside the root', (t) => {
  const root = tempRoot(t);
  const outside = join(root, '..', 'outside');
  mkdirSync(outside);
  symlinkSync(outside, join(root, 'evil'));
  mkdirSync(join(root, 'ok'));
  symlinkSync('../evil', join(root, 'ok/sneaky'));
  for (const rel of ['evil/p', 'ok/sneaky/p']) {
    assert.throws(() => runSysOps(root, [{ op: 'mknod', rel, entry: rel, type: 'p', major: 0, minor: 0, mode: 0o644, atime: 0, mtime: 0 }]),
      (e: unknown) => e instanceof UnpackError && e.entry === rel && e.code === 'ELOOP' && /symlink/.test(e.message));
    assert.throws(() => runSysOps(root, [{ op: 'setxattr', rel, entry: rel, name: 'user.x', value: Buffer.from('1') }]),
      (e: unknown) => e instanceof UnpackError && e.code === 'ELOOP');
  }
  assert.equal(existsSync(join(outside, 'p')), false);
});

test('a node replaces a symlink instead of writing through it; a directory in the way is an error', (t) => {
  const root = tempRoot(t);
  const outside = join(root, '..', 'victim');
  writeFileSync(outside, 'keep');
  symlinkSync(outside, join(root, 'l'));
  runSysOps(root, [{ op: 'mknod', rel: 'l', entry: 'l', type: 'p', major: 0, minor: 0, mode: 0o600, atime: 0, mtime: 0 }]);
  assert.ok(lstatSync(join(root, 'l')).isFIFO());
  assert.ok(lstatSync(outside).isFile());
  mkdirSync(join(root, 'dir'));
  assert.throws(() => runSysOps(root, [{ op: 'mknod', rel: 'dir', entry: 'dir/', type: 'p', major: 0, minor: 0, mode: 0o600, atime: 0, mtime: 0 }]),
    (e: unknown) => e instanceof UnpackError && e.entry === 'dir/' && e.code === 'EISDIR');
});

test('the first failure stops the batch and names its entry', (t) => {
  const root = tempRoot(t);
  assert.throws(() => runSysOps(root, [
    { op: 'mknod', rel: 'first', entry: 'first', type: 'p', major: 0, minor: 0, mode: 0o600, atime: 0, mtime: 0 },
    { op: 'mknod', rel: 'missing/second', entry: 'missing/second', type: 'p', major: 0, minor: 0, mode: 0o600, atime: 0, mtime: 0 },
    { op: 'mknod', rel: 'third', entry: 'third', type: 'p', major: 0, minor: 0, mode: 0o600, atime: 0, mtime: 0 },
  ]), (e: unknown) => e instanceof UnpackError && e.entry === 'missing/second' && e.code === 'ENOENT');
  assert.ok(lstatSync(join(root, 'first')).isFIFO());
  assert.equal(existsSync(join(root, 'third')), false);
});

test('".." and "." as a last component, and garbage input, are refused', (t) => {
  const root = tempRoot(t);
  for (const rel of ['..', 'a/..', '.']) {
    assert.throws(() => runSysOps(root, [{ op: 'utimes', rel, entry: rel, atime: 0, mtime: 0 }]), UnpackError);
  }
  const r = execFileSync('sh', ['-c', `printf 'Zjunk' | '${fsopsPath()}' '${root}'; echo " rc=$?"`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  assert.match(r, /rc=2/);
  // A record cut short is refused before anything is applied.
  const cut = encodeSysOps([{ op: 'utimes', rel: 'x', entry: 'x', atime: 0, mtime: 0 }]).subarray(0, 6);
  const r2 = execFileSync('sh', ['-c', `'${fsopsPath()}' '${root}'; echo " rc=$?"`], { input: cut, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
  assert.match(r2, /rc=2/);
});

test('syncfs of a layer directory; a missing one is a clear error', (t) => {
  const root = tempRoot(t);
  writeFileSync(join(root, 'f'), 'data');
  syncFilesystem(root);
  assert.throws(() => syncFilesystem(join(root, 'missing')), (e: unknown) => e instanceof UnpackError && /missing/.test(e.message));
});
