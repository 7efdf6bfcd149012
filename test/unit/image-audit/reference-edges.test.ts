// Edge cases of the docker reference grammar not covered by test/unit/image/reference.test.ts,
// checked against distribution/reference's rules: tags may hold uppercase, host names may too,
// digest hex may not; a bare "host:port" is a docker.io repository with a tag (as in docker).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatReference, InvalidReferenceError, parseReference } from '../../../src/image/reference.ts';

const D = 'sha256:' + 'ab'.repeat(32);

test('uppercase: allowed in tags and registry hosts, refused in paths and digests', () => {
  assert.equal(parseReference('busybox:V1.Latest').tag, 'V1.Latest');
  assert.equal(parseReference('Registry.Example.com:5000/a').domain, 'Registry.Example.com:5000');
  assert.throws(() => parseReference('localhost:5000/A'), /must be lowercase/);
  assert.throws(() => parseReference(`a@sha256:${'AB'.repeat(32)}`), /64 lowercase hex/);
});

test('ports, localhost and IPv6 hosts with tags and digests', () => {
  assert.equal(formatReference(parseReference(`[::1]:5000/a/b:v2@${D}`)), `[::1]:5000/a/b:v2@${D}`);
  assert.deepEqual(parseReference('[::1]/a'), { domain: '[::1]', path: 'a', tag: 'latest' });
  assert.deepEqual(parseReference(`localhost@${D}`), { domain: 'docker.io', path: 'library/localhost', digest: D });
  // "localhost:5000" alone has no path: docker reads it as docker.io/library/localhost, tag 5000
  assert.deepEqual(parseReference('localhost:5000'), { domain: 'docker.io', path: 'library/localhost', tag: '5000' });
  assert.throws(() => parseReference('localhost:/a'), /registry host/);
  assert.throws(() => parseReference('host:port/a'), /registry host/);
});

test('name:tag@digest: the digest is what is pulled; malformed combinations are refused', () => {
  assert.deepEqual(parseReference(`docker.io/library/busybox:1@${D}`), { domain: 'docker.io', path: 'library/busybox', tag: '1', digest: D });
  for (const s of [`a@${D}:tag`, 'a/b:tag@', 'a:b:c', ':tag', '@' + D]) {
    assert.throws(() => parseReference(s), (e: unknown) => e instanceof InvalidReferenceError && e.input === s, s);
  }
});
