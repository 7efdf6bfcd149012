// CVE-2021-30465 class: mount targets reached through symlinks in the image (`/`, `../../`) or
// swapped for symlinks while the container is being set up always land inside the rootfs.
// CVE-2019-16884/19921 class: proc and sysfs are only mounted on real directories.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { unescapeMountinfo } from '../../../src/util/proc.ts';
import { defer, killOnEnd } from '../../helpers/cleanup.ts';
import { isRoot, makeTemp, removeTemp } from '../../helpers/rootfs.ts';
import { build, cli, cliAsync, leftovers, tempBundle } from '../runtime/support.ts';

const skip = !isRoot && 'needs root';

/** What a bind mount of `path` shows in mountinfo: the device (major:minor) and the root (the
 * path within that file system) of the mount that holds `path` (the last one mounted on its
 * longest mount-point prefix), the root joined with the rest of `path`. That root is not `path`
 * itself wherever `path` lies on a mount of a subtree: /tmp a tmpfs, or / itself a bind of
 * /some/prefix (a container, a chroot-like tree, some CI systems). */
function bindRootOf(path: string): { dev: string; root: string } {
  const real = realpathSync(path);
  let best: { point: string; dev: string; root: string } | undefined;
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const f = line.split(' ');
    if (!f[4]) continue;
    const point = unescapeMountinfo(f[4]);
    const rel = relative(point, real);
    if (rel.startsWith('..') || (best && point.length < best.point.length)) continue;
    best = { point, dev: f[2], root: unescapeMountinfo(f[3]) };
  }
  assert.ok(best, `no mount holds ${real}`);
  return { dev: best.dev, root: join(best.root, relative(best.point, real)) };
}

test('mount targets behind symlinks to / and ../../ land inside the rootfs', { skip }, (t) => {
  const id = `mnt-symlink-${process.pid}`;
  const escape = `berth-escape-${process.pid}`;
  const dir = makeTemp('berth-mnt-src-');
  t.after(() => removeTemp(dir));
  writeFileSync(join(dir, 'marker'), 'from the host\n');
  const { root, bundle, rootfs } = tempBundle(t, 'berth-mnt-', id, ['sh', '-c', `cat /${escape}-a/marker /tmp/${escape}-b/marker`], (s) => {
    s.root!.readonly = false;
    s.mounts!.push({ destination: `/abs/${escape}-a`, type: 'bind', source: dir, options: ['rbind', 'ro'] });
    s.mounts!.push({ destination: `/up/${escape}-b`, type: 'bind', source: dir, options: ['rbind', 'ro'] });
  });
  symlinkSync('/', join(rootfs, 'abs'));
  symlinkSync('../../../../../../../../../../tmp', join(rootfs, 'up'));
  const r = cli(root, ['run', '-b', bundle, id]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.split('\n').filter((l) => l === 'from the host').length, 2, r.stdout);
  // `up` is ../../…/tmp read inside the root: the container's /tmp, where the target was made.
  assert.ok(existsSync(join(rootfs, 'tmp', `${escape}-b`)), 'target created inside the rootfs');
  assert.ok(existsSync(join(rootfs, `${escape}-a`)));
  assert.ok(!existsSync(`/${escape}-a`), 'nothing created at the host\'s /');
  assert.ok(!existsSync(`/tmp/${escape}-b`), 'nothing created in the host\'s /tmp');
});

test('proc and sysfs refuse a symlink (even one inside the root) and a non-directory', { skip }, (t) => {
  for (const [name, target, make, re] of [
    ['proc-link', 'proc', (p: string) => { rmSync(p, { recursive: true }); symlinkSync('/tmp', p); }, /proc must be mounted on a real directory, and \/proc is a symlink/],
    ['proc-host', 'proc', (p: string) => { rmSync(p, { recursive: true }); symlinkSync('../../../../../../proc', p); }, /proc must be mounted on a real directory/],
    ['sys-link', 'sys', (p: string) => { rmSync(p, { recursive: true }); symlinkSync('/tmp', p); }, /sysfs must be mounted on a real directory, and \/sys is a symlink/],
    ['proc-file', 'proc', (p: string) => { rmSync(p, { recursive: true }); writeFileSync(p, ''); }, /proc must be mounted on a real directory, and \/proc is not a directory/],
  ] as const) {
    const id = `mnt-${name}-${process.pid}`;
    const { root, bundle, rootfs } = tempBundle(t, 'berth-mnt-', id, ['true']);
    make(join(rootfs, target));
    const r = cli(root, ['create', '-b', bundle, id]);
    assert.notEqual(r.code, 0, `${name}: create must fail`);
    assert.match(r.stderr, re, name);
    assert.deepEqual(leftovers(root, id, bundle), [], name);
  }
});

test('a host process swapping a directory and a symlink during create never gets a mount outside', { skip }, async (t) => {
  const id = `mnt-race-${process.pid}`;
  const escape = `berth-race-${process.pid}`;
  const src = makeTemp('berth-race-src-');
  defer(t, () => { removeTemp(src); rmSync(`/tmp/${escape}`, { recursive: true, force: true }); });
  writeFileSync(join(src, 'marker'), 'bound\n');
  const { root, bundle, rootfs } = tempBundle(t, 'berth-mnt-', id, ['cat', '/proc/self/mountinfo'], (s) => {
    s.root!.readonly = false;
    s.mounts!.push({ destination: '/a/x', type: 'bind', source: src, options: ['rbind'] });
  });
  // `a` is a real directory and `b` a symlink out of the root; renameat2(RENAME_EXCHANGE) swaps
  // them atomically, over and over, so `a` is always one or the other.
  mkdirSync(join(rootfs, 'a/x'), { recursive: true });
  symlinkSync(`../../../../../../../../tmp/${escape}`, join(rootfs, 'b'));
  const flipper = spawn('python3', ['-c', `
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
os.chdir(sys.argv[1])
while True:
    if libc.renameat2(-100, b'a', -100, b'b', 2) != 0:
        sys.exit(ctypes.get_errno())
`, rootfs], { stdio: 'ignore' });
  // Killed (and gone) first when the test ends, however it ends: before tempBundle's clean-up,
  // which must never race a process still renaming entries in the rootfs.
  killOnEnd(t, flipper);
  const bound = bindRootOf(src);
  let ok = 0, viaLink = 0;
  for (let i = 0; i < 8; i++) {
    rmSync(join(rootfs, 'tmp', escape), { recursive: true, force: true });
    const r = await cliAsync(root, ['run', '-b', bundle, `${id}`]);
    // Either the bind is in the container's tree, on `a` or `b` (renamed since) or in its own /tmp
    // (through the symlink), or the step failed cleanly; it is never made under the host's /tmp.
    if (r.code === 0) {
      const points = r.stdout.split('\n').map((l) => l.split(' ')).filter((f) => f[2] === bound.dev && f[3] === bound.root).map((f) => f[4]);
      assert.equal(points.length, 1, `the bind of ${src} (${bound.dev} ${bound.root}) once in:\n${r.stdout}`);
      assert.ok(['/a/x', '/b/x', `/tmp/${escape}/x`].includes(points[0]), points[0]);
      ok++;
    } else assert.match(r.stderr, /step \d+ \(mount\)/, r.stderr);
    assert.ok(!existsSync(`/tmp/${escape}`), `run ${i}: a target was created outside the rootfs`);
    assert.deepEqual(leftovers(root, id, bundle), []);
    // Through the symlink, the target was made in the container's own /tmp.
    if (existsSync(join(rootfs, 'tmp', escape))) viaLink++;
  }
  // Still swapping (it exits on a failed swap): else the runs above raced with nothing.
  assert.equal(flipper.exitCode, null, `the renameat2 flipper exited (errno ${flipper.exitCode})`);
  t.diagnostic(`${ok} of 8 runs mounted (the others failed cleanly), ${viaLink} through the symlink`);
});
