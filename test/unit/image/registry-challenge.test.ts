import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseChallenges } from '../../../src/image/registry/challenge.ts';
import { isLoopbackHost, readRegistriesConfig, RegistriesConfigError, schemesFor } from '../../../src/image/registry/config.ts';
import { parseErrorBody } from '../../../src/image/registry/errors.ts';
import { formatPlatform, parsePlatform, platformMatches, selectManifest, InvalidPlatformError } from '../../../src/image/registry/platform.ts';
import { parallel } from '../../../src/image/registry/parallel.ts';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Index } from '../../../src/image/types.ts';

test('parses bearer and basic challenges, quoted commas and escapes', () => {
  assert.deepEqual(parseChallenges('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull,push"'), [
    { scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/busybox:pull,push' } },
  ]);
  assert.deepEqual(parseChallenges('Basic realm="x \\"y\\""'), [{ scheme: 'basic', params: { realm: 'x "y"' } }]);
  assert.deepEqual(parseChallenges(['Basic realm=plain', 'Bearer realm="r", error="insufficient_scope"']), [
    { scheme: 'basic', params: { realm: 'plain' } },
    { scheme: 'bearer', params: { realm: 'r', error: 'insufficient_scope' } },
  ]);
  assert.deepEqual(parseChallenges(undefined), []);
});

test('registry error bodies', () => {
  const b = parseErrorBody(Buffer.from('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"},{"code":"X"}]}'));
  assert.equal(b.text, 'MANIFEST_UNKNOWN: manifest unknown; X');
  assert.equal(b.errors.length, 2);
  assert.equal(parseErrorBody(Buffer.from('<html>bad gateway</html>')).text, '<html>bad gateway</html>');
});

test('loopback registries use plain HTTP; insecure ones try https without verification then http', () => {
  for (const h of ['localhost:5000', 'localhost', '127.0.0.1:5000', '127.1.2.3', '[::1]:5000', 'foo.localhost:80']) assert.ok(isLoopbackHost(h), h);
  for (const h of ['docker.io', '10.0.0.1:5000', 'mylocalhost:5000', '128.0.0.1']) assert.ok(!isLoopbackHost(h), h);
  const cfg = { insecure: ['reg.lan:5000', 'plain.lan'] };
  assert.deepEqual(schemesFor('127.0.0.1:5000', cfg), ['http']);
  assert.deepEqual(schemesFor('reg.lan:5000', cfg), ['https-insecure', 'http']);
  assert.deepEqual(schemesFor('plain.lan:8080', cfg), ['https-insecure', 'http']);
  assert.deepEqual(schemesFor('reg.lan:5001', cfg), ['https']);
  assert.deepEqual(schemesFor('quay.io', cfg), ['https']);
});

test('registries.json: missing is empty, mirrors (and dockerd\'s registry-mirrors), bad is a typed error naming the file', () => {
  const d = mkdtempSync(join(tmpdir(), 'berth-unit-'));
  try {
    assert.deepEqual(readRegistriesConfig(join(d, 'none.json')), { insecure: [] });
    writeFileSync(join(d, 'ok.json'), '{"insecure":["a:1"]}');
    assert.deepEqual(readRegistriesConfig(join(d, 'ok.json')), { insecure: ['a:1'] });
    writeFileSync(join(d, 'bad.json'), '{"insecure":"a:1"}');
    assert.throws(() => readRegistriesConfig(join(d, 'bad.json')), (e: unknown) => e instanceof RegistriesConfigError && e.path.endsWith('bad.json'));
    writeFileSync(join(d, 'mirrors.json'), '{"mirrors":{"quay.io":["m1:5000"]},"registry-mirrors":["https://hub-mirror.lan/"]}');
    assert.deepEqual(readRegistriesConfig(join(d, 'mirrors.json')), { insecure: [], mirrors: { 'quay.io': ['m1:5000'], 'docker.io': ['hub-mirror.lan'] } });
    writeFileSync(join(d, 'badmirrors.json'), '{"mirrors":{"docker.io":"m1"}}');
    assert.throws(() => readRegistriesConfig(join(d, 'badmirrors.json')), /"mirrors" must map/);
    writeFileSync(join(d, 'broken.json'), '{');
    assert.throws(() => readRegistriesConfig(join(d, 'broken.json')), /not valid JSON/);
  } finally {
    rmSync(d, { recursive: true });
  }
});

test('platforms: parse, normalise, match, select', () => {
  assert.deepEqual(parsePlatform('linux/arm64'), { os: 'linux', architecture: 'arm64', variant: 'v8' });
  assert.deepEqual(parsePlatform('linux/x86_64'), { os: 'linux', architecture: 'amd64' });
  assert.deepEqual(parsePlatform('arm'), { os: 'linux', architecture: 'arm', variant: 'v7' });
  assert.equal(formatPlatform(parsePlatform('linux/arm/v6')), 'linux/arm/v6');
  assert.throws(() => parsePlatform('linux//amd64'), InvalidPlatformError);
  assert.throws(() => parsePlatform('a/b/c/d'), InvalidPlatformError);
  assert.ok(platformMatches({ os: 'linux', architecture: 'arm64' }, { os: 'linux', architecture: 'arm64', variant: 'v8' }));
  assert.ok(platformMatches({ os: 'linux', architecture: 'arm64', variant: 'v8' }, { os: 'linux', architecture: 'arm64' }));
  assert.ok(!platformMatches({ os: 'linux', architecture: 'arm', variant: 'v6' }, { os: 'linux', architecture: 'arm', variant: 'v7' }));
  assert.ok(!platformMatches({ os: 'linux', architecture: 'amd64' }, { os: 'windows', architecture: 'amd64' }));
  const d = (n: string) => 'sha256:' + n.repeat(64);
  const index: Index = {
    schemaVersion: 2,
    manifests: [
      { mediaType: 'm', digest: d('1'), size: 1, platform: { os: 'linux', architecture: 'arm', variant: 'v6' } },
      { mediaType: 'm', digest: d('2'), size: 1, platform: { os: 'linux', architecture: 'arm', variant: 'v7' } },
      { mediaType: 'm', digest: d('3'), size: 1, platform: { os: 'unknown', architecture: 'unknown' } },
      { mediaType: 'm', digest: d('4'), size: 1, platform: { os: 'linux', architecture: 'amd64' } },
    ],
  };
  assert.equal(selectManifest(index, { os: 'linux', architecture: 'amd64' })?.digest, d('4'));
  assert.equal(selectManifest(index, { os: 'linux', architecture: 'arm' })?.digest, d('2'), 'implied v7 preferred');
  assert.equal(selectManifest(index, { os: 'linux', architecture: 'arm', variant: 'v6' })?.digest, d('1'));
  assert.equal(selectManifest(index, { os: 'linux', architecture: 's390x' }), null);
  assert.equal(selectManifest(index, { os: 'unknown', architecture: 'unknown' }), null, 'attestations never match');
});

test('parallel runs at most `limit` tasks and reports the first failure after the others finish', async () => {
  let running = 0;
  let peak = 0;
  const done: number[] = [];
  await parallel([1, 2, 3, 4, 5, 6, 7], 3, async (x) => {
    running++;
    peak = Math.max(peak, running);
    await new Promise((r) => setTimeout(r, 5 + (x % 3) * 3));
    running--;
    done.push(x);
  });
  assert.equal(peak, 3);
  assert.deepEqual(done.sort(), [1, 2, 3, 4, 5, 6, 7]);
  const finished: number[] = [];
  await assert.rejects(parallel([1, 2, 3, 4], 2, async (x) => {
    if (x === 1) throw new Error('boom');
    await new Promise((r) => setTimeout(r, 10));
    finished.push(x);
  }), /boom/);
  assert.deepEqual(finished, [2], 'no new task starts after a failure; the running one finishes');
});
