import { test } from 'node:test';
import assert from 'node:assert/strict';
import { familiarRecordName, groupRecords, nameParts, normalizeName } from '../../../src/image/ops/names.ts';
import { globMatch, parseFilters } from '../../../src/image/ops/list.ts';
import { parseUntil } from '../../../src/image/ops/prune.ts';
import { registryDomain } from '../../../src/image/ops/login.ts';
import { parseArchiveFormat } from '../../../src/image/ops/archive.ts';
import { InvalidImageArgumentError } from '../../../src/image/ops/errors.ts';
import type { ImageRecord } from '../../../src/image/store/metadata.ts';

const D1 = 'sha256:' + '1'.repeat(64);
const C1 = 'sha256:' + 'c'.repeat(64);
const C2 = 'sha256:' + 'd'.repeat(64);

test('nameParts: tags, repository digests, bare IDs', () => {
  assert.deepEqual(nameParts('docker.io/library/busybox:latest'), { kind: 'tag', repository: 'docker.io/library/busybox', familiar: 'busybox', tag: 'latest' });
  assert.deepEqual(nameParts(`127.0.0.1:5000/team/app@${D1}`), { kind: 'digest', repository: '127.0.0.1:5000/team/app', familiar: '127.0.0.1:5000/team/app', digest: D1 });
  assert.deepEqual(nameParts(C1), { kind: 'id', digest: C1 });
  assert.equal(familiarRecordName('docker.io/library/busybox:1.36'), 'busybox:1.36');
  assert.equal(familiarRecordName(`docker.io/me/app@${D1}`), `me/app@${D1}`);
});

test('normalizeName: docker normalisation; name:tag@digest looks up the digest', () => {
  assert.equal(normalizeName('busybox'), 'docker.io/library/busybox:latest');
  assert.equal(normalizeName('localhost:5000/a:v1'), 'localhost:5000/a:v1');
  assert.equal(normalizeName(`busybox:1@${D1}`), `docker.io/library/busybox@${D1}`);
  assert.equal(normalizeName(C1), C1);
  assert.throws(() => normalizeName('Bad/Name'));
});

test('groupRecords: one image per config digest, tags before digests as primary', () => {
  const rec = (name: string, config: string, created: string): ImageRecord => ({
    name, target: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: D1, size: 1 }, manifestDigest: D1, configDigest: config, created, updated: created,
  });
  const g = groupRecords([
    rec(`docker.io/library/busybox@${D1}`, C1, '2024-01-02'),
    rec('docker.io/library/busybox:latest', C1, '2024-01-03'),
    rec(C2, C2, '2024-01-01'),
  ]);
  assert.equal(g.length, 2);
  const a = g.find((x) => x.id === C1)!;
  assert.deepEqual(a.tags, ['docker.io/library/busybox:latest']);
  assert.deepEqual(a.digests, [`docker.io/library/busybox@${D1}`]);
  assert.equal(a.primary.name, 'docker.io/library/busybox:latest');
  assert.equal(a.stored, '2024-01-02');
  const b = g.find((x) => x.id === C2)!;
  assert.deepEqual([b.tags, b.digests], [[], []]);
});

test('filters: parse and refuse; glob does not cross "/"', () => {
  assert.deepEqual(parseFilters(['reference=busy*', 'dangling=true', 'label=a=b']), { reference: ['busy*'], dangling: true, label: ['a=b'] });
  assert.throws(() => parseFilters(['dangling=maybe']), InvalidImageArgumentError);
  assert.throws(() => parseFilters(['colour=red']), /invalid filter 'colour'/);
  assert.throws(() => parseFilters(['nonsense']), /bad format of filter/);
  assert.ok(globMatch('busy*', 'busybox'));
  assert.ok(!globMatch('*', 'team/app'));
  assert.ok(globMatch('*/*', 'team/app'));
  assert.ok(globMatch('busybox:l?test', 'busybox:latest'));
});

test('parseUntil, registryDomain, parseArchiveFormat', () => {
  const now = Date.parse('2024-01-02T00:00:00Z');
  assert.equal(parseUntil('24h', now), Date.parse('2024-01-01T00:00:00Z'));
  assert.equal(parseUntil('2023-06-01T00:00:00Z', now), Date.parse('2023-06-01T00:00:00Z'));
  assert.equal(parseUntil('1700000000', now), 1_700_000_000_000);
  assert.throws(() => parseUntil('soon', now), InvalidImageArgumentError);
  assert.equal(registryDomain(undefined), 'docker.io');
  assert.equal(registryDomain('https://index.docker.io/v1/'), 'docker.io');
  assert.equal(registryDomain('http://127.0.0.1:5000/v2/'), '127.0.0.1:5000');
  assert.equal(registryDomain('Registry.Example.com'), 'registry.example.com');
  assert.equal(parseArchiveFormat(undefined), 'docker-archive');
  assert.equal(parseArchiveFormat('oci-dir'), 'oci-dir');
  assert.throws(() => parseArchiveFormat('zip'), /unknown archive format "zip"/);
});
