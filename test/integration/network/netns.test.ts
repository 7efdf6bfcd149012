import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createNetns, removeNetns, isNetns, NetnsError } from '../../../src/network/index.ts';
import { isRoot } from '../../helpers/rootfs.ts';

const tag = `berth-test-${process.pid}`;

test('createNetns pins a fresh netns; removeNetns unmounts and unlinks, twice is fine', { skip: !isRoot && 'needs root' }, async (t) => {
  const made: string[] = [];
  t.after(async () => { for (const p of made) await removeNetns(p); });
  const p = await createNetns(`${tag}-ns`);
  made.push(p);
  assert.equal(p, `/run/berth/netns/${tag}-ns`);
  assert.ok(isNetns(p));
  // A different namespace from ours: the nsfs inode differs from /proc/self/ns/net's.
  assert.notEqual(statSync(p).ino, statSync('/proc/self/ns/net').ino);
  await assert.rejects(createNetns(`${tag}-ns`), (e: unknown) => e instanceof NetnsError && /already exists/.test(e.message));
  await assert.rejects(createNetns('../escape'), NetnsError);
  await removeNetns(p);
  assert.ok(!existsSync(p));
  assert.ok(!readFileSync('/proc/self/mountinfo', 'utf8').includes(p));
  await removeNetns(p);
});
