// Concurrency and leaks: parallel `run -d` from separate CLI processes (one SQLite store, one
// network store, one snapshotter) and a loop of run/rm cycles that must leave the host exactly
// as it found it: mounts, cgroups, netns, veths, iptables rules, processes, leases, files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isRoot } from '../../helpers/rootfs.ts';
import { assertNoLeaks, Berth, snapshot } from './harness.ts';

const skip = !isRoot && 'needs root';
const CYCLES = Number(process.env.BERTH_TEST_CYCLES ?? 50);

test('10 parallel run -d: all running, distinct addresses, no corruption', { skip }, async (t) => {
  const b = new Berth();
  t.after(() => b.teardown());
  await b.ok(['image', 'build-busybox']);
  const before = snapshot(b);
  const names = Array.from({ length: 10 }, (_, i) => `berth-test-par${i}`);
  const results = await Promise.all(names.map((n) => b.run(['run', '-d', '--name', n, 'busybox', 'sleep', '60'])));
  for (const r of results) assert.equal(r.code, 0, r.stderr);
  const ps = (await b.ok(['ps', '--format', 'json'])).trim().split('\n').map((l) => JSON.parse(l) as { Names: string; State: string });
  assert.deepEqual(ps.map((p) => p.Names).sort(), [...names].sort());
  assert.ok(ps.every((p) => p.State === 'running'));
  const ips = await Promise.all(names.map(async (n) => (await b.ok(['inspect', '-f', '{{.NetworkSettings.IPAddress}}', n])).trim()));
  assert.equal(new Set(ips).size, 10, `addresses: ${ips.join(' ')}`);
  // Same name from two processes at once: exactly one wins.
  const dup = await Promise.all([0, 1].map(() => b.run(['create', '--name', 'berth-test-dup', 'busybox', 'true'])));
  assert.deepEqual(dup.map((r) => r.code).sort(), [0, 125]);
  const rm = await Promise.all([...names, 'berth-test-dup'].map((n) => b.run(['rm', '-f', n])));
  for (const r of rm) assert.equal(r.code, 0, r.stderr);
  assert.equal((await b.ok(['ps', '-aq'])).trim(), '');
  assertNoLeaks(b, before);
});

test(`${CYCLES} run/rm cycles leave nothing behind`, { skip, timeout: 600_000 }, async (t) => {
  const b = new Berth();
  t.after(() => b.teardown());
  await b.ok(['run', '--rm', 'busybox', 'true']);
  const before = snapshot(b);
  for (let i = 0; i < CYCLES; i++) {
    if (i % 2 === 0) {
      // Detached with a published port, a named volume and a tmpfs, then forced removal.
      await b.ok(['run', '-d', '--name', `berth-test-cycle${i}`, '-p', '127.0.0.1::80', '-v', 'berth-test-cyclevol:/data', '--tmpfs', '/t',
        'busybox', 'sh', '-c', 'echo x > /data/x; sleep 60']);
      await b.ok(['rm', '-f', '-v', `berth-test-cycle${i}`]);
    } else {
      assert.equal(await b.ok(['run', '--rm', '-v', '/anon', 'busybox', 'echo', `cycle ${i}`]), `cycle ${i}\n`);
    }
  }
  await b.ok(['volume', 'rm', 'berth-test-cyclevol']);
  assert.equal((await b.ok(['volume', 'ls', '-q'])).trim(), '');
  assertNoLeaks(b, before);
});
