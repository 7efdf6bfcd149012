// The bookkeeping of starts begun ahead (src/engine/ahead-map.ts): an entry is taken once, its
// expiry runs only while it is still kept, and a replaced entry's expiry does not touch the new.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { AheadMap } from '../../../src/engine/ahead-map.ts';

test('take returns the entry once and cancels its expiry', async () => {
  const m = new AheadMap<string>();
  const expired: string[] = [];
  m.set('a', 'A', 20, (id) => expired.push(id));
  assert.equal(m.has('a'), true);
  assert.equal(m.get('a'), 'A');
  assert.equal(m.take('a'), 'A');
  assert.equal(m.take('a'), undefined);
  assert.equal(m.has('a'), false);
  await sleep(60);
  assert.deepEqual(expired, []);
});

test('an entry not taken expires once; ids lists what is kept', async () => {
  const m = new AheadMap<number>();
  const expired: string[] = [];
  m.set('a', 1, 20, (id) => { expired.push(id); m.take(id); });
  m.set('b', 2, 10_000, (id) => expired.push(id));
  assert.deepEqual(m.ids().sort(), ['a', 'b']);
  await sleep(80);
  assert.deepEqual(expired, ['a']);
  assert.deepEqual(m.ids(), ['b']);
  m.clear();
  assert.deepEqual(m.ids(), []);
});

test('a replaced entry: only the new one is kept, the old expiry is cancelled', async () => {
  const m = new AheadMap<string>();
  const expired: string[] = [];
  m.set('a', 'old', 20, () => expired.push('old'));
  m.set('a', 'new', 10_000, () => expired.push('new'));
  await sleep(60);
  assert.deepEqual(expired, []);
  assert.equal(m.take('a'), 'new');
});
