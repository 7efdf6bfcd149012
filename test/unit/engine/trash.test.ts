// The engine's trash (src/engine/trash.ts): deferred, a removed directory is out of its place at
// once and deleted in the background, leftovers of an earlier process included; not deferred,
// deleted at once; a path that is not there is fine either way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Trash } from '../../../src/engine/trash.ts';
import { makeTemp, removeTemp } from '../../helpers/rootfs.ts';

function tree(dir: string): string {
  mkdirSync(join(dir, 'a', 'b'), { recursive: true });
  for (let i = 0; i < 20; i++) writeFileSync(join(dir, 'a', 'b', `f${i}`), 'x'.repeat(i * 100));
  writeFileSync(join(dir, 'top'), 'y');
  return dir;
}

test('deferred: the directory leaves at once, the trash is empty once settled, leftovers too', async (t) => {
  const tmp = makeTemp('berth-test-trash-');
  t.after(() => removeTemp(tmp));
  const trash = new Trash(join(tmp, 'trash'), true);
  mkdirSync(join(tmp, 'trash'));
  tree(join(tmp, 'trash', 'left-by-a-crash.0123'));
  const a = tree(join(tmp, 'ctr-a')), b = tree(join(tmp, 'ctr-b'));
  trash.discard(a);
  trash.discard(b);
  assert.equal(existsSync(a), false);
  assert.equal(existsSync(b), false);
  trash.discard(join(tmp, 'never-was'));
  await trash.settle();
  assert.deepEqual(readdirSync(join(tmp, 'trash')), []);
  assert.deepEqual(readdirSync(tmp).sort(), ['trash']);
});

test('not deferred: deleted before discard returns; no trash directory is made', (t) => {
  const tmp = makeTemp('berth-test-trash-');
  t.after(() => removeTemp(tmp));
  const trash = new Trash(join(tmp, 'trash'), false);
  const a = tree(join(tmp, 'ctr-a'));
  trash.discard(a);
  trash.discard(join(tmp, 'never-was'));
  assert.deepEqual(readdirSync(tmp), []);
});
