// Rootless storage (issue #14, docs/rootless.md). The kernel's overlayfs in the user's namespace
// (mounted with userxattr, its metadata in user.overlay.*): a directory of the image removed and
// made again (an opaque directory, EIO before userxattr), committed, unpacked and run again.
// fuse-overlayfs: forced with
// BERTH_OVERLAY=fuse-overlayfs (this kernel allows native overlayfs in a user namespace, so the
// fallback on EPERM/EINVAL cannot be provoked here; test/unit/image/fuse-overlay.test.ts covers
// that choice). As a user the test makes: a container's rootfs is a fuse.fuse-overlayfs mount in
// the user's namespace, served by a fuse-overlayfs process of the user; the image's files are
// read, a new file written and an image file deleted (a whiteout); exec sees the same; commit of
// its upper directory gives an image with both changes; after rm no fuse-overlayfs process, no
// mount and nothing else is left.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { fileCleanups } from '../../helpers/cleanup.ts';
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { assertNoLeftovers, commOf, installTree, makeUser, pausePid, processesOf, skip as baseSkip, ok, openToUsers, type Result } from './support.ts';

const suite = fileCleanups();
let prefix = '';
const fuseSkip = baseSkip || (!existsSync('/usr/bin/fuse-overlayfs') || !existsSync('/dev/fuse') ? 'needs fuse-overlayfs (apt-get install fuse-overlayfs) and /dev/fuse' : false);

before(() => {
  if (baseSkip) return;
  prefix = installTree(suite);
  if (!fuseSkip) openToUsers(suite, '/dev/fuse');
});

test('native overlay in the user namespace: an image directory removed and made again, committed and run', { skip: baseSkip }, async (t) => {
  const user = makeUser(t, prefix, { sub: true });
  ok(await user.berth(['image', 'build-busybox']), 'build-busybox');
  ok(await user.berth(['run', '--name', 'l1', '--network', 'none', 'busybox', 'sh', '-c', 'mkdir -p /x/y && echo a > /x/y/a']), 'layer 1');
  ok(await user.berth(['commit', 'l1', 'layers:1']), 'commit 1');
  // Removing a directory of a lower layer and making it again: a whiteout and an opaque directory.
  const r = ok(await user.berth(['run', '--name', 'l2', '--network', 'none', 'layers:1', 'sh', '-c', 'rm -rf /x && mkdir /x && echo b > /x/b && ls -R /x']), 'replace /x');
  assert.equal(r.stdout, '/x:\nb\n');
  ok(await user.berth(['commit', 'l2', 'layers:2']), 'commit 2');
  // Unpacked as the user (the opaque marker as user.overlay.opaque) and mounted with userxattr:
  // the lower layer's /x/y stays hidden.
  assert.equal(ok(await user.berth(['run', '--rm', '--network', 'none', 'layers:2', 'ls', '-R', '/x']), 'run layers:2').stdout, '/x:\nb\n');
  ok(await user.berth(['rm', 'l1', 'l2']), 'rm');
  ok(await user.berth(['rmi', 'layers:2', 'layers:1']), 'rmi');
  await assertNoLeftovers(user);
});

test('BERTH_OVERLAY=fuse-overlayfs: the rootfs through fuse-overlayfs; run, exec, commit; nothing left after rm', { skip: fuseSkip }, async (t) => {
  const user = makeUser(t, prefix, { sub: true });
  const fuse = (args: string[]) => user.run(['env', 'BERTH_OVERLAY=fuse-overlayfs', 'berth', ...args]);
  ok(await user.berth(['image', 'build-busybox']), 'build-busybox');

  const r = ok(await fuse(['run', '--rm', '--network', 'none', 'busybox', 'sh', '-c', 'echo new > /new; cat /new; rm /bin/true; test -e /bin/true || echo deleted; ls /bin/sh']), 'run --rm').stdout;
  assert.equal(r, 'new\ndeleted\n/bin/sh\n');

  // fuse-overlayfs marks the directories it makes opaque: /d comes back as an opaque directory.
  ok(await fuse(['run', '-d', '--name', 'f', '--network', 'none', 'busybox', 'sh', '-c', 'echo new > /new; rm /bin/true; mkdir /d; echo x > /d/x; echo ready; sleep 1000']), 'run -d');
  let logs = '';
  for (const end = Date.now() + 60_000; !logs.includes('ready') && Date.now() < end;) {
    logs = ok(await user.berth(['logs', 'f']), 'logs').stdout;
    if (!logs.includes('ready')) await new Promise((res) => setTimeout(res, 100));
  }
  const mountinfo = execFileSync('nsenter', ['-t', String(pausePid(user)), '-m', 'cat', '/proc/self/mountinfo'], { encoding: 'utf8' });
  assert.match(mountinfo, /\/containers\/[0-9a-f]{64}\/rootfs \S+ - fuse\.fuse-overlayfs /, 'the rootfs is a fuse-overlayfs mount');
  assert.ok(processesOf(user.uid, user.sub).some((p) => commOf(p) === 'fuse-overlayfs'), 'served by a fuse-overlayfs process of the user');
  // exec (a plain command: no BERTH_OVERLAY) sees the same tree.
  assert.equal(ok(await user.berth(['exec', 'f', 'sh', '-c', 'cat /new; test -e /bin/true || echo deleted']), 'exec').stdout, 'new\ndeleted\n');

  // commit reads the upper directory fuse-overlayfs wrote: the new file and the whiteout.
  ok(await user.berth(['commit', '--pause=false', 'f', 'fused:1']), 'commit');  // no cgroup to freeze rootless
  assert.equal(ok(await user.berth(['run', '--rm', '--network', 'none', 'fused:1', 'sh', '-c', 'cat /new /d/x; test -e /bin/true || echo deleted']), 'run committed').stdout, 'new\nx\ndeleted\n');

  ok(await user.berth(['rm', '-f', 'f']), 'rm -f');
  ok(await user.berth(['rmi', 'fused:1']), 'rmi');
  // The FUSE process ends when its mount goes (assertNoLeftovers waits a moment for it).
  await assertNoLeftovers(user);
});
