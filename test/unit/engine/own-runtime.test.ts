// The engine runs its own runtime's lifecycle in process (and its creates through berth-relay):
// it must recognise that runtime by the plain bundle and by the native client that setup puts
// on PATH as berth-runtime (a symlink to build/berth-runtime-client), and nothing else.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isOwnRuntime } from '../../../src/engine/runtime.ts';
import { makeTemp, removeTemp } from '../../helpers/rootfs.ts';

const TOP = resolve(import.meta.dirname, '../../..');
const built = ['dist/berth-runtime.mjs', 'build/berth-runtime-client', 'build/berth-relay'].every((f) => existsSync(join(TOP, f)));

test('the plain runtime and the native client are ours; runc is not', { skip: !built && 'needs the build' }, (t) => {
  const dir = makeTemp('berth-own-');
  t.after(() => removeTemp(dir));
  const link = join(dir, 'berth-runtime');
  symlinkSync(join(TOP, 'build/berth-runtime-client'), link);
  assert.equal(isOwnRuntime(join(TOP, 'dist/berth-runtime.mjs')), true);
  assert.equal(isOwnRuntime(join(TOP, 'build/berth-runtime-client')), true);
  assert.equal(isOwnRuntime(link), true);
  assert.equal(isOwnRuntime('/usr/sbin/runc'), false);
});
