import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { withLock } from '../../../src/network/lock.ts';
import { LockTimeoutError } from '../../../src/network/errors.ts';
import { makeTemp, removeTemp } from '../../helpers/rootfs.ts';

test('withLock excludes other holders and times out with a typed error', async (t) => {
  const dir = makeTemp('berth-test-lock-');
  t.after(() => removeTemp(dir));
  const path = join(dir, 'state', '.lock');
  const order: string[] = [];
  let releaseFirst!: () => void;
  const firstHeld = new Promise<void>((r) => { releaseFirst = r; });
  let firstLocked!: () => void;
  const firstIn = new Promise<void>((r) => { firstLocked = r; });
  const first = withLock(path, async () => { order.push('first in'); firstLocked(); await firstHeld; order.push('first out'); });
  await firstIn;
  await assert.rejects(withLock(path, async () => { order.push('never'); }, 1000), LockTimeoutError);
  const second = withLock(path, async () => { order.push('second in'); });
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(order, ['first in']);
  releaseFirst();
  await Promise.all([first, second]);
  assert.deepEqual(order, ['first in', 'first out', 'second in']);
  // Released for good: a later taker gets it at once.
  assert.equal(await withLock(path, async () => 42), 42);
});
