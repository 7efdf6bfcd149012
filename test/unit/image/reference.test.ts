import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  familiarName, formatReference, InvalidReferenceError, manifestReference, parseReference, registryHost, repositoryName,
} from '../../../src/image/reference.ts';

const D = 'sha256:' + 'ab'.repeat(32);

test('normalises short names to docker.io/library with latest', () => {
  assert.equal(formatReference(parseReference('busybox')), 'docker.io/library/busybox:latest');
  assert.equal(formatReference(parseReference('library/busybox:1.36')), 'docker.io/library/busybox:1.36');
  assert.equal(formatReference(parseReference('index.docker.io/busybox')), 'docker.io/library/busybox:latest');
  assert.equal(formatReference(parseReference('docker.io/foo/bar')), 'docker.io/foo/bar:latest');
  assert.equal(formatReference(parseReference('foo/bar/baz')), 'docker.io/foo/bar/baz:latest');
});

test('detects registry hosts by ".", ":" or localhost', () => {
  assert.deepEqual(parseReference('localhost:5000/a/b:tag'), { domain: 'localhost:5000', path: 'a/b', tag: 'tag' });
  assert.deepEqual(parseReference('localhost/a'), { domain: 'localhost', path: 'a', tag: 'latest' });
  assert.deepEqual(parseReference('quay.io/x/y'), { domain: 'quay.io', path: 'x/y', tag: 'latest' });
  assert.deepEqual(parseReference('myhost:5000/y'), { domain: 'myhost:5000', path: 'y', tag: 'latest' });
  assert.deepEqual(parseReference('127.0.0.1:5000/y:v1'), { domain: '127.0.0.1:5000', path: 'y', tag: 'v1' });
  assert.deepEqual(parseReference('[::1]:5000/y'), { domain: '[::1]:5000', path: 'y', tag: 'latest' });
  // no dot, no colon, not localhost: a docker.io namespace
  assert.deepEqual(parseReference('myhost/y'), { domain: 'docker.io', path: 'myhost/y', tag: 'latest' });
});

test('digests: name@digest has no default tag; name:tag@digest keeps both', () => {
  assert.deepEqual(parseReference(`busybox@${D}`), { domain: 'docker.io', path: 'library/busybox', digest: D });
  const r = parseReference(`localhost:5000/a:v1@${D}`);
  assert.deepEqual(r, { domain: 'localhost:5000', path: 'a', tag: 'v1', digest: D });
  assert.equal(manifestReference(r), D);
  assert.equal(formatReference(r), `localhost:5000/a:v1@${D}`);
});

test('familiar names drop docker.io and library/', () => {
  assert.equal(familiarName(parseReference('busybox')), 'busybox:latest');
  assert.equal(familiarName(parseReference('docker.io/foo/bar:1')), 'foo/bar:1');
  assert.equal(familiarName(parseReference('docker.io/library/a/b')), 'library/a/b:latest');
  assert.equal(familiarName(parseReference('localhost:5000/a')), 'localhost:5000/a:latest');
  assert.equal(familiarName(parseReference('busybox', { defaultTag: false })), 'busybox');
  assert.equal(repositoryName(parseReference('busybox:1')), 'docker.io/library/busybox');
  assert.equal(registryHost('docker.io'), 'registry-1.docker.io');
  assert.equal(registryHost('localhost:5000'), 'localhost:5000');
});

test('invalid references give clear errors', () => {
  const bad: [string, RegExp][] = [
    ['', /empty/],
    ['Busybox', /must be lowercase/],
    ['docker.io/Foo/bar', /must be lowercase/],
    ['busybox:-bad', /tag "-bad"/],
    [`busybox:${'x'.repeat(129)}`, /tag/],
    ['busybox@sha256:abc', /64 lowercase hex/],
    ['busybox@md5:' + 'a'.repeat(32), /not supported/],
    ['busybox@nonsense', /algorithm:hex/],
    ['a//b', /empty path component/],
    ['a/b_-c', /path component "b_-c"/],
    ['ab'.repeat(32), /image ID/],
    ['-host.io/a', /registry host/],
    ['quay.io/', /missing repository path/],
  ];
  for (const [s, re] of bad) {
    assert.throws(() => parseReference(s), (e: unknown) => e instanceof InvalidReferenceError && re.test(e.message) && e.input === s, s);
  }
});

test('separators in path components', () => {
  assert.equal(parseReference('a/b.c_d__e---f').path, 'a/b.c_d__e---f');
  assert.throws(() => parseReference('a/b..c'), InvalidReferenceError);
  assert.throws(() => parseReference('a/b___c'), InvalidReferenceError);
});
