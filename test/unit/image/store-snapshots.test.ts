// The snapshotter's bookkeeping with the copy driver (no mounts needed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { Snapshotter, SnapshotExistsError, SnapshotNotFoundError, SnapshotError, chainIDs, defaultDriver } from '../../../src/image/snapshots/index.ts';
import { makeTemp, removeTemp } from '../../helpers/rootfs.ts';

test('chainIDs follow the OCI definition (checked against coreutils sha256sum)', () => {
  const a = 'sha256:' + 'a'.repeat(64);
  const b = 'sha256:' + 'b'.repeat(64);
  const c = 'sha256:' + 'c'.repeat(64);
  const [c0, c1, c2] = chainIDs([a, b, c]);
  assert.equal(c0, a);
  const sum = (s: string) => 'sha256:' + execFileSync('sha256sum', { input: s, encoding: 'utf8' }).split(' ')[0];
  assert.equal(c1, sum(`${a} ${b}`));
  assert.equal(c2, sum(`${c1} ${c}`));
});

test('prepare/commit/view/remove with the copy driver', (t) => {
  const dir = makeTemp('berth-test-sn-');
  const sn = new Snapshotter(dir, { driver: 'copy' });
  t.after(() => { sn.close(); removeTemp(dir); });
  const m1 = sn.prepare('k1');
  assert.deepEqual(m1, [{ type: 'bind', source: sn.fsPath('k1'), options: ['rbind', 'rw'] }]);
  writeFileSync(join(sn.fsPath('k1'), 'f'), 'layer 1');
  sn.commit('layer1', 'k1');
  assert.equal(sn.stat('k1'), null);
  assert.equal(sn.stat('layer1')?.kind, 'committed');
  assert.throws(() => sn.commit('x', 'layer1'), SnapshotError);
  sn.prepare('k2', 'layer1');
  assert.equal(readFileSync(join(sn.fsPath('k2'), 'f'), 'utf8'), 'layer 1', 'copy driver starts from the parent');
  writeFileSync(join(sn.fsPath('k2'), 'f'), 'changed');
  assert.equal(readFileSync(join(sn.fsPath('layer1'), 'f'), 'utf8'), 'layer 1', 'parent untouched');
  assert.throws(() => sn.prepare('k2'), SnapshotExistsError);
  assert.throws(() => sn.prepare('k3', 'nope'), SnapshotNotFoundError);
  assert.throws(() => sn.prepare('k3', 'k2'), /not committed/);
  const v = sn.view('v', 'layer1');
  assert.deepEqual(v[0].options, ['rbind', 'ro']);
  assert.throws(() => sn.remove('layer1'), /is the parent of/);
  const k2dir = sn.dir(sn.stat('k2')!.id);
  sn.remove('k2');
  sn.remove('v');
  assert.equal(existsSync(k2dir), false);
  sn.remove('layer1');
  assert.deepEqual(sn.list(), []);
});

test('overlay mounts stack parents nearest first', (t) => {
  const dir = makeTemp('berth-test-sn-');
  const sn = new Snapshotter(dir, { driver: 'overlay' });
  t.after(() => { sn.close(); removeTemp(dir); });
  sn.prepare('a'); sn.commit('L1', 'a');
  sn.prepare('b', 'L1'); sn.commit('L2', 'b');
  const m = sn.prepare('ctr', 'L2');
  const id = (k: string) => sn.stat(k)!.id;
  assert.deepEqual(m, [{ type: 'overlay', source: 'overlay', options: [
    `workdir=${join(sn.root, String(id('ctr')), 'work')}`, `upperdir=${join(sn.root, String(id('ctr')), 'fs')}`,
    `lowerdir=${join(sn.root, String(id('L2')), 'fs')}:${join(sn.root, String(id('L1')), 'fs')}`,
  ] }]);
  assert.deepEqual(sn.view('v1', 'L1'), [{ type: 'bind', source: join(sn.root, String(id('L1')), 'fs'), options: ['rbind', 'ro'] }]);
  assert.equal(sn.view('v2', 'L2')[0].type, 'overlay');
});

test('BERTH_SNAPSHOTTER forces the driver', () => {
  assert.equal(defaultDriver({ BERTH_SNAPSHOTTER: 'copy' }), 'copy');
  assert.equal(defaultDriver({ BERTH_SNAPSHOTTER: 'overlay' }), 'overlay');
  assert.throws(() => defaultDriver({ BERTH_SNAPSHOTTER: 'zfs' }), /expected overlay or copy/);
});
