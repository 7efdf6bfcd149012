// CVE-2024-21626 class: no descriptor of the runtime or the helper reaches the container (only
// 0, 1, 2 and the --preserve-fds ones), and a cwd that leads out of the root through a
// descriptor (/proc/self/fd/N naming a host directory) fails create instead of starting the
// process outside the container's root.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { isRoot } from '../../helpers/rootfs.ts';
import { build, cliAsync, leftovers, tempBundle } from '../runtime/support.ts';

const skip = !isRoot && 'needs root';
before(() => { if (!skip) build(); });

// The container process is `ls` itself: its listing has exactly one more entry than what it got
// (the descriptor it opens on /proc/self/fd, the lowest free one). A shell would not do: it
// holds pipe descriptors of its own while a pipeline runs.
const LIST = ['ls', '/proc/self/fd'];
const listed = (out: string) => out.trim().split('\n').map(Number).sort((a, b) => a - b);

test('only 0, 1, 2 and the preserved fds are open in the container (host fds the CLI holds stay out)', { skip }, async (t) => {
  const id = `fds-${process.pid}`;
  const { dir, root, bundle } = tempBundle(t, 'berth-fd-', id, LIST);
  // Host descriptors the CLI holds: a directory (the CVE's kind of leak) and a file; only the
  // first two are preserved.
  const fds = [openSync(dir, 'r'), openSync(join(bundle, 'config.json'), 'r'), openSync('/', 'r')];
  t.after(() => fds.forEach((fd) => closeSync(fd)));
  const r = await cliAsync(root, ['run', '--preserve-fds', '2', '-b', bundle, id], fds);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(listed(r.stdout), [0, 1, 2, 3, 4, 5]);
  const r2 = await cliAsync(root, ['run', '-b', bundle, id], fds);
  assert.equal(r2.code, 0, r2.stderr);
  assert.deepEqual(listed(r2.stdout), [0, 1, 2, 3]);
});

test('a cwd of /proc/self/fd/N naming a host directory fails create (getcwd is "(unreachable)")', { skip }, async (t) => {
  const id = `cwd-${process.pid}`;
  const { dir, root, bundle } = tempBundle(t, 'berth-fd-', id, ['sh', '-c', 'pwd; ls'], (s) => { s.process!.cwd = '/proc/self/fd/3'; });
  const hostDir = openSync(dir, 'r');
  t.after(() => closeSync(hostDir));
  const r = await cliAsync(root, ['run', '--preserve-fds', '1', '-b', bundle, id], [hostDir]);
  assert.notEqual(r.code, 0, `the process ran with a host cwd: ${r.stdout}`);
  assert.match(r.stderr, /step \d+ \(chdir\): cwd \/proc\/self\/fd\/3 is outside the root/);
  assert.equal(r.stdout, '');
  assert.deepEqual(leftovers(root, id, bundle), []);
});
