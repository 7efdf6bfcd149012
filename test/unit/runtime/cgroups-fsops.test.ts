// mkdirpAsync (src/runtime/cgroups/fsops.ts): what it made, outermost first; on a failure, what it
// had made by then travels with the error, for the caller to remove.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mkdirpAsync } from '../../../src/runtime/cgroups/fsops.ts';
import { CgroupFsError } from '../../../src/runtime/cgroups/errors.ts';
import { makeTemp, removeTemp } from '../../helpers/rootfs.ts';

test('mkdirpAsync returns what it made; a failure carries what was made before it', async (t) => {
  const tmp = makeTemp('berth-mkdirp-');
  t.after(() => removeTemp(tmp));
  assert.deepEqual(await mkdirpAsync(join(tmp, 'a', 'b')), [join(tmp, 'a'), join(tmp, 'a', 'b')]);
  assert.deepEqual(await mkdirpAsync(join(tmp, 'a', 'b')), [], 'already there: nothing made');
  writeFileSync(join(tmp, 'file'), '');
  const made = (e: unknown) => (e as { created?: string[] }).created;
  await assert.rejects(mkdirpAsync(join(tmp, 'file', 'x')), (e: Error) => e instanceof CgroupFsError && made(e)?.length === 0);
  const tooLong = join(tmp, 'n', 'm', 'x'.repeat(300));
  await assert.rejects(mkdirpAsync(tooLong), (e: Error) => {
    assert.ok(e instanceof CgroupFsError);
    assert.deepEqual(made(e), [join(tmp, 'n'), join(tmp, 'n', 'm')]);
    return true;
  });
  assert.ok(existsSync(join(tmp, 'n', 'm')));
});
