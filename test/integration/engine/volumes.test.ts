// Volumes through the engine: a named volume outliving its containers, anonymous volumes from
// -v /path and from the image's VOLUME (removed by rm -v), tmpfs mounts, volume commands.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { isRoot } from '../../helpers/rootfs.ts';
import { assertNoLeaks, Berth, snapshot } from './harness.ts';

const skip = !isRoot && 'needs root';

test('a named volume survives its container; ro is enforced; rm -v removes anonymous ones', { skip }, async (t) => {
  const b = new Berth();
  t.after(() => b.teardown());
  await b.ok(['run', '--rm', 'busybox', 'true']);
  const before = snapshot(b);
  assert.equal((await b.ok(['volume', 'create', '--label', 'suite=engine', 'berth-test-vol'])).trim(), 'berth-test-vol');
  await b.ok(['run', '--name', 'berth-test-writer', '-v', 'berth-test-vol:/data', 'busybox', 'sh', '-c', 'echo persisted > /data/f']);
  await b.ok(['rm', 'berth-test-writer']);
  assert.equal(await b.ok(['run', '--rm', '-v', 'berth-test-vol:/data:ro', 'busybox', 'cat', '/data/f']), 'persisted\n');
  const ro = await b.run(['run', '--rm', '--mount', 'type=volume,source=berth-test-vol,target=/data,readonly', 'busybox', 'touch', '/data/x']);
  assert.equal(ro.code, 1);
  assert.match(ro.stderr, /Read-only file system/);
  // A volume named on first use is created on the fly.
  await b.ok(['run', '--rm', '-v', 'berth-test-auto:/a', 'busybox', 'true']);
  assert.deepEqual((await b.ok(['volume', 'ls', '-q'])).trim().split('\n').sort(), ['berth-test-auto', 'berth-test-vol']);
  const ins = JSON.parse(await b.ok(['volume', 'inspect', 'berth-test-vol'])) as { Mountpoint: string; Labels: Record<string, string> }[];
  assert.equal(ins[0].Labels.suite, 'engine');
  assert.ok(existsSync(join(ins[0].Mountpoint, 'f')));
  // In use: refused.
  await b.ok(['create', '--name', 'berth-test-holder', '-v', 'berth-test-vol:/data', 'busybox', 'true']);
  const inUse = await b.run(['volume', 'rm', 'berth-test-vol']);
  assert.notEqual(inUse.code, 0);
  assert.match(inUse.stderr, /volume is in use/);
  await b.ok(['rm', 'berth-test-holder']);
  // Anonymous volume: kept by rm, removed by rm -v.
  await b.ok(['run', '--name', 'berth-test-anon1', '-v', '/scratch', 'busybox', 'sh', '-c', 'echo a > /scratch/a']);
  await b.ok(['run', '--name', 'berth-test-anon2', '-v', '/scratch', 'busybox', 'true']);
  assert.equal((await b.ok(['volume', 'ls', '-q'])).trim().split('\n').length, 4);
  await b.ok(['rm', '-v', 'berth-test-anon1']);
  await b.ok(['rm', 'berth-test-anon2']);
  assert.equal((await b.ok(['volume', 'ls', '-q'])).trim().split('\n').length, 3);
  const pruned = await b.ok(['volume', 'prune', '-f']);
  assert.match(pruned, /Deleted Volumes:\n[0-9a-f]{64}\n/);
  await b.ok(['volume', 'rm', 'berth-test-vol', 'berth-test-auto']);
  assert.equal((await b.ok(['volume', 'ls', '-q'])).trim(), '');
  assertNoLeaks(b, before);
});

test('tmpfs mounts, --read-only root, bind mounts', { skip }, async (t) => {
  const b = new Berth();
  t.after(() => b.teardown());
  const out = await b.ok(['run', '--rm', '--read-only', '--tmpfs', '/scratch:size=1m', '-v', `${b.tmp}:/host`, 'busybox', 'sh', '-c',
    'grep " /scratch " /proc/mounts; echo x > /scratch/ok && echo tmpfs-writable; touch /nope 2>/dev/null || echo root-read-only; echo from-container > /host/out']);
  assert.match(out, /tmpfs \/scratch tmpfs .*size=1024k/);
  assert.match(out, /tmpfs-writable/);
  assert.match(out, /root-read-only/);
  assert.ok(existsSync(join(b.tmp, 'out')));
  const shm = await b.ok(['run', '--rm', 'busybox', 'sh', '-c', 'grep " /dev/shm " /proc/mounts']);
  assert.match(shm, /size=65536k/);
});
