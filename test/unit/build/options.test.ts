// The builder's --cache-from/--cache-to option parsing (docker's CSV forms).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCacheOption } from '../../../src/build/exec/request.ts';

test('--cache-from: local, registry, and a bare reference', () => {
  assert.deepEqual(parseCacheOption('type=local,src=/c', '--cache-from'), { type: 'local', src: '/c' });
  assert.deepEqual(parseCacheOption('type=registry,ref=r:5000/a/b:cache', '--cache-from'), { type: 'registry', ref: 'r:5000/a/b:cache' });
  assert.deepEqual(parseCacheOption('r:5000/a/b:1', '--cache-from'), { type: 'registry', ref: 'r:5000/a/b:1' });
  assert.throws(() => parseCacheOption('type=local', '--cache-from'), /src= is required/);
  assert.throws(() => parseCacheOption('type=inline', '--cache-from'), /unsupported cache type "inline" \(local, registry\)/);
});

test('--cache-to: local, registry, inline', () => {
  assert.deepEqual(parseCacheOption('type=local,dest=/c', '--cache-to'), { type: 'local', dest: '/c' });
  assert.deepEqual(parseCacheOption('type=registry,ref=r/a:c,mode=max', '--cache-to'), { type: 'registry', ref: 'r/a:c', mode: 'max' });
  assert.deepEqual(parseCacheOption('type=local,dest=/c,mode=min', '--cache-to'), { type: 'local', dest: '/c', mode: 'min' });
  assert.throws(() => parseCacheOption('type=local,dest=/c,mode=all', '--cache-to'), /mode=all: expected min or max/);
  assert.deepEqual(parseCacheOption('type=inline', '--cache-to'), { type: 'inline' });
  assert.throws(() => parseCacheOption('type=registry', '--cache-to'), /ref= is required/);
  assert.throws(() => parseCacheOption('type=gha', '--cache-to'), /unsupported cache type "gha" \(local, registry, inline\)/);
  assert.throws(() => parseCacheOption('/dir', '--cache-to'), /unsupported cache type ""/);
});
