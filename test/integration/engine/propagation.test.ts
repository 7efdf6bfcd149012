// Bind propagation through the engine: `-v SRC:DST:rshared` gives the spec rootfsPropagation
// rshared (as containerd's CRI does for a bidirectional mount), so the container starts on its
// overlay rootfs and a mount made inside shows on the host; a host mount made under the source
// after the start shows inside.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defer } from '../../helpers/cleanup.ts';
import { unmountUnder } from '../../helpers/mounts.ts';
import { isRoot, makeTemp, removeTemp } from '../../helpers/rootfs.ts';
import { assertNoLeaks, Berth, snapshot } from './harness.ts';

const skip = !isRoot && 'needs root';
const mount = (...args: string[]) => execFileSync('mount', args, { stdio: ['ignore', 'ignore', 'pipe'] });
const hostMountinfo = () => readFileSync('/proc/self/mountinfo', 'utf8').split('\n');

test('-v SRC:DST:rshared: mounts propagate both ways (rootfsPropagation rshared)', { skip }, async (t) => {
  const dir = makeTemp('berth-test-prop-');
  // Registered first, so it runs last (after the engine's teardown): every mount under dir goes.
  defer(t, () => {
    unmountUnder(dir);
    const left = hostMountinfo().filter((l) => l.split(' ')[4]?.startsWith(dir));
    removeTemp(dir);
    assert.deepEqual(left, []);
  });
  const b = new Berth();
  defer(t, () => b.teardown());
  await b.ok(['run', '--rm', 'busybox', 'true']);
  const before = snapshot(b);

  // kubelet insists on a shared source for a bidirectional mount; so does this test.
  const src = join(dir, 'src');
  mkdirSync(src);
  mount('-t', 'tmpfs', 'berth-eprop-src', src);
  mount('--make-shared', src);
  await b.ok(['run', '-d', '--privileged', '--name', 'berth-test-prop', '-v', `${src}:/bidir:rshared`, 'busybox', 'sleep', '1000']);
  const inside = async () => b.ok(['exec', 'berth-test-prop', 'cat', '/proc/self/mountinfo']);
  const group = hostMountinfo().find((l) => l.split(' ')[4] === src)!.split(' ').find((f) => f.startsWith('shared:'))!;
  assert.match((await inside()).split('\n').find((l) => l.split(' ')[4] === '/bidir') ?? '', new RegExp(` ${group} `));

  mkdirSync(join(src, 'fromhost'));
  mount('-t', 'tmpfs', 'berth-eprop-host', join(src, 'fromhost'));
  assert.match(await inside(), / \/bidir\/fromhost .* - tmpfs berth-eprop-host /);

  mkdirSync(join(src, 'frominside'));
  await b.ok(['exec', 'berth-test-prop', 'mount', '-t', 'tmpfs', 'berth-eprop-in', '/bidir/frominside']);
  assert.ok(hostMountinfo().some((l) => l.split(' ')[4] === join(src, 'frominside') && / - tmpfs berth-eprop-in /.test(l)), 'the mount made inside shows on the host');

  await b.ok(['rm', '-f', 'berth-test-prop']);
  assertNoLeaks(b, before);
});
