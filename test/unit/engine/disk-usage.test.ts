// disk-usage.ts: docker's measure (apparent bytes of what is not a directory) and the CRI's
// (blocks and inodes, directories included), a file with two links counted once, each path on
// its own, a missing path as nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { linkSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { duEach, usageEach } from '../../../src/engine/disk-usage.ts';
import { makeTemp, removeTemp } from '../../helpers/rootfs.ts';

test('duEach and usageEach: bytes, blocks and inodes under each path', async (t) => {
  const tmp = makeTemp('berth-du-');
  t.after(() => removeTemp(tmp));
  const a = join(tmp, 'a'), b = join(tmp, 'b');
  mkdirSync(join(a, 'sub'), { recursive: true });
  writeFileSync(join(a, 'sub', 'f'), Buffer.alloc(3000, 1));
  linkSync(join(a, 'sub', 'f'), join(a, 'link'));
  mkdirSync(b);
  writeFileSync(join(b, 'g'), 'x');
  const missing = join(tmp, 'none');
  const du = await duEach([a, b, missing]);
  assert.deepEqual([du.get(a), du.get(b), du.get(missing)], [3000, 1, 0]);
  const use = await usageEach([a, b, missing]);
  assert.equal(use.get(a)!.inodes, 3, 'a, sub and the file (its second link not again)');
  assert.equal(use.get(b)!.inodes, 2);
  assert.ok(use.get(a)!.bytes >= 4096 && use.get(a)!.bytes % 512 === 0, `blocks, not apparent bytes: ${use.get(a)!.bytes}`);
  assert.deepEqual(use.get(missing), { bytes: 0, inodes: 0 });
});
