// berthd's spare network namespace (src/engine/pods/spare-netns.ts), on real namespaces: none
// at first, one made in the background, taken once, adopted from a stopped berthd (one kept,
// more removed), and dropped at the end without leaving a mount behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createNetns, isNetns, removeNetns } from '../../../src/network/index.ts';
import { SpareNetns } from '../../../src/engine/pods/spare-netns.ts';
import { isRoot, makeTemp, removeTemp } from '../../helpers/rootfs.ts';
import { isMountPoint } from '../../../src/util/proc.ts';

const skip = !isRoot && 'needs root';

async function until(what: string, f: () => boolean): Promise<void> {
  for (const end = Date.now() + 60_000; !f();) {
    if (Date.now() > end) assert.fail(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('spare netns: made ahead, taken once, adopted, dropped', { skip }, async (t) => {
  const tmp = makeTemp('berth-test-spare-');
  const dir = join(tmp, 'netns');
  t.after(async () => {
    for (const n of existsSync(dir) ? readdirSync(dir) : []) await removeNetns(join(dir, n)).catch(() => {});
    removeTemp(tmp);
  });
  const spare = new SpareNetns(dir);
  assert.equal(spare.take(), undefined, 'none before the first refill');
  spare.refill();
  spare.refill(); // one on its way: no second
  let got: string | undefined;
  await until('a spare is made', () => (got = spare.take()) !== undefined);
  assert.ok(isNetns(got!), 'the spare is a pinned network namespace');
  assert.equal(spare.take(), undefined, 'taken once');
  await removeNetns(got!);

  // Left by a berthd that stopped without settling: the next one adopts one, removes the rest.
  const left = [await createNetns('berth-spare-aaaa', dir), await createNetns('berth-spare-bbbb', dir)];
  const next = new SpareNetns(dir);
  const adopted = next.take();
  assert.ok(adopted && left.includes(adopted));
  await until('the other leftover is removed', () => readdirSync(dir).length === 1);
  await removeNetns(adopted!);

  next.refill();
  await next.drop();
  assert.equal(next.take(), undefined);
  assert.deepEqual(readdirSync(dir), [], 'no spare left');
  assert.equal(isMountPoint(dir), false, 'the netns directory carries no mount once empty');
});
