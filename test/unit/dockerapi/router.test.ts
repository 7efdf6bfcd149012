import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareVersions, Router, splitVersion } from '../../../src/dockerapi/router.ts';
import { HttpError } from '../../../src/dockerapi/errors.ts';

const h = (name: string) => Object.assign(async () => {}, { label: name });
const router = new Router([
  { method: 'GET', pattern: '/containers/json', handler: h('list') },
  { method: 'GET', pattern: '/containers/{id}/json', handler: h('inspect') },
  { method: 'DELETE', pattern: '/containers/{id}', handler: h('rm') },
  { method: 'GET', pattern: '/images/{name*}/json', handler: h('image') },
  { method: 'GET', pattern: '/_ping', handler: h('ping') },
]);
const label = (m: { handler: unknown }) => (m.handler as { label: string }).label;

test('versioned and unversioned paths reach the same handler', () => {
  assert.equal(label(router.match('GET', '/containers/json')), 'list');
  const m = router.match('GET', '/v1.41/containers/abc/json');
  assert.equal(label(m), 'inspect');
  assert.equal(m.version, '1.41');
  assert.deepEqual(m.params, { id: 'abc' });
  assert.equal(router.match('GET', '/_ping').version, '1.44');
});

test('a {name*} parameter takes slashes and colons (registry image names)', () => {
  const m = router.match('GET', '/v1.44/images/localhost:5000/team/app:1/json');
  assert.equal(label(m), 'image');
  assert.equal(m.params.name, 'localhost:5000/team/app:1');
  assert.equal(router.match('GET', '/images/a%2Fb/json').params.name, 'a/b');
});

test('HEAD falls back to GET; unknown paths 404; known paths with another method 405', () => {
  assert.equal(label(router.match('HEAD', '/_ping')), 'ping');
  assert.throws(() => router.match('GET', '/nope'), (e: HttpError) => e.status === 404);
  assert.throws(() => router.match('POST', '/containers/json'), (e: HttpError) => e.status === 405);
  assert.throws(() => router.match('GET', '/containers/%zz/json'), (e: HttpError) => e.status === 400);
});

test('versions outside 1.24..1.44 are refused with moby messages', () => {
  assert.throws(() => splitVersion('/v1.45/info'), (e: HttpError) => e.status === 400 && /client version 1.45 is too new. Maximum supported API version is 1.44/.test(e.message));
  assert.throws(() => splitVersion('/v1.12/info'), (e: HttpError) => e.status === 400 && /too old. Minimum supported API version is 1.24/.test(e.message));
  assert.deepEqual(splitVersion('/v1.24/info'), { version: '1.24', path: '/info' });
});

test('versions compare numerically', () => {
  assert.ok(compareVersions('1.9', '1.24') < 0);
  assert.ok(compareVersions('1.44', '1.41') > 0);
  assert.equal(compareVersions('1.40', '1.40'), 0);
});
