// isMountPoint (src/util/proc.ts): whether something is mounted at a path, from the mount ids of
// the path and its parent, checked against real mounts (a bind mount of the same file system,
// a tmpfs, a network namespace file) and against mountinfo, the slow way it replaces.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { isMountPoint, mountPoints } from '../../../src/util/proc.ts';
import { makeTemp, removeTemp } from '../../helpers/rootfs.ts';

const sh = (...argv: string[]) => {
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8' });
  assert.equal(r.status, 0, `${argv.join(' ')}: ${r.stderr}`);
};

test('isMountPoint: bind, tmpfs and nsfs mounts are seen, plain paths are not, as in mountinfo', { skip: process.getuid!() !== 0 && 'needs root' }, () => {
  const tmp = makeTemp('berth-mountpoint-');
  const paths = { bind: join(tmp, 'bind'), tmpfs: join(tmp, 'tmpfs'), ns: join(tmp, 'ns'), plain: join(tmp, 'plain'), file: join(tmp, 'file') };
  const mounted: string[] = [];
  try {
    for (const d of [paths.bind, paths.tmpfs, paths.plain, join(tmp, 'src')]) mkdirSync(d);
    writeFileSync(paths.ns, '');
    writeFileSync(paths.file, '');
    for (const p of Object.values(paths)) assert.equal(isMountPoint(p), false, `${p} before any mount`);
    assert.equal(isMountPoint(join(tmp, 'missing')), false);

    sh('mount', '--bind', join(tmp, 'src'), paths.bind); mounted.push(paths.bind);
    sh('mount', '-t', 'tmpfs', 'tmpfs', paths.tmpfs); mounted.push(paths.tmpfs);
    sh('mount', '--bind', '/proc/self/ns/net', paths.ns); mounted.push(paths.ns);
    const info = mountPoints();
    for (const p of Object.values(paths)) assert.equal(isMountPoint(p), info.has(p), `${p} against mountinfo`);
    assert.deepEqual([paths.bind, paths.tmpfs, paths.ns].map(isMountPoint), [true, true, true]);
    // A directory inside a mount is not a mount point itself.
    mkdirSync(join(paths.tmpfs, 'inner'));
    assert.equal(isMountPoint(join(paths.tmpfs, 'inner')), false);

    while (mounted.length) sh('umount', mounted.pop()!);
    for (const p of Object.values(paths)) assert.equal(isMountPoint(p), false, `${p} after umount`);
  } finally {
    for (const m of mounted.reverse()) spawnSync('umount', ['-l', m]);
    removeTemp(tmp);
  }
});
