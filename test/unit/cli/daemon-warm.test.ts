// A berthd worker's warm-up (src/daemon/warm.ts) runs the real planning code on a default spec
// with docker's seccomp profile: it must succeed on this host (a failing warm-up would be caught
// and leave the code cold) and be deterministic.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { exerciseHotPaths } from '../../../src/daemon/warm.ts';

test('the warm-up plans a default container with the default seccomp profile, deterministically', () => {
  const a = exerciseHotPaths(2);
  assert.match(a, /^[0-9a-f]{64}$/);
  assert.equal(exerciseHotPaths(2), a);
  assert.notEqual(exerciseHotPaths(3), a, 'each round feeds the next');
});
