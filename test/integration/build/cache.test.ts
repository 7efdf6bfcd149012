// Build caches kept in a registry (a local docker-registry): --cache-to type=registry pushes a
// cache manifest (records in its config, every blob a layer) that a fresh state root imports
// with --cache-from type=registry; --cache-to type=inline puts the records into the pushed
// image's config, and --cache-from IMAGE takes its hits from the image's own layers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isRoot } from '../../helpers/rootfs.ts';
import { defer } from '../../helpers/cleanup.ts';
import { startRegistry } from '../../helpers/registry.ts';
import { Berth } from '../engine/harness.ts';
import { cacheReport, context } from './util.ts';

const skip = !isRoot && 'needs root';
const epoch = ['--build-arg', 'SOURCE_DATE_EPOCH=1700000000'];

async function manifestOf(url: string): Promise<{ config: { mediaType: string; digest: string }; layers: { digest: string }[] }> {
  const res = await fetch(url, { headers: { Accept: 'application/vnd.oci.image.manifest.v1+json' } });
  assert.equal(res.status, 200, `GET ${url}`);
  return await res.json() as never;
}

test('--cache-to/--cache-from type=registry: a fresh root takes every hit from the registry, and only a changed file re-runs', { skip }, async (t) => {
  const reg = await startRegistry();
  defer(t, () => reg.stop());
  const a = new Berth();
  const b = new Berth();
  defer(t, () => a.teardown());
  defer(t, () => b.teardown());
  const ref = `${reg.host}/berth-cache/app:buildcache`;
  // Two stages: the builder stage's records are exported too (not only the final image's).
  const dockerfile = 'FROM busybox AS builder\nCOPY f /f\nRUN echo ran-build && cp /f /g\nFROM busybox\nCOPY --from=builder /g /g\nCOPY other /other\nRUN echo ran-final && cat /other > /h\n';
  const files = { Dockerfile: dockerfile, f: 'payload\n', other: 'other\n' };
  const first = await a.run(['build', ...epoch, '-q', '--cache-to', `type=registry,ref=${ref}`, context(a, files)]);
  assert.equal(first.code, 0, first.stderr);
  const m = await manifestOf(`${reg.url}/v2/berth-cache/app/manifests/buildcache`);
  assert.equal(m.config.mediaType, 'application/vnd.berth.build.cache.v1+json');
  const cfg = await (await fetch(`${reg.url}/v2/berth-cache/app/blobs/${m.config.digest}`)).json() as { records: Record<string, { layers: { digest: string }[] }> };
  const blobs = new Set(Object.values(cfg.records).flatMap((r) => r.layers.map((l) => l.digest)));
  assert.deepEqual(new Set(m.layers.map((l) => l.digest)), blobs, 'every blob a record names is a layer of the cache manifest');
  assert.ok(Object.keys(cfg.records).length >= 5, `records of both stages: ${Object.keys(cfg.records).length}`);

  const second = await b.run(['build', ...epoch, '--cache-from', `type=registry,ref=${ref}`, context(b, files)]);
  assert.equal(second.code, 0, second.stderr);
  assert.deepEqual(cacheReport(second.stderr).ran, [], second.stderr);
  assert.doesNotMatch(second.stderr, /^#\d+ [\d.]+ ran-/m, "no RUN output: nothing ran");
  const id = (await b.ok(['build', ...epoch, '-q', context(b, files)])).trim();
  assert.equal(id, first.stdout.trim(), 'the same image from the imported cache');
  assert.equal(await b.ok(['run', '--rm', '--network', 'none', id, 'cat', '/g', '/h']), 'payload\nother\n');

  // A fresh root again, one file changed: the steps that read it and those after re-run, not the others.
  const c = new Berth();
  defer(t, () => c.teardown());
  const third = await c.run(['build', ...epoch, '--cache-from', `type=registry,ref=${ref}`, context(c, { ...files, other: 'changed\n' })]);
  assert.equal(third.code, 0, third.stderr);
  assert.deepEqual(cacheReport(third.stderr).ran, ['COPY other /other', 'RUN echo ran-final && cat /other > /h']);

  // mode=min: only the final image's own chain (the builder stage's records stay out), so a fresh
  // root re-runs the builder stage and takes the final stage's steps from the cache.
  const minRef = `${reg.host}/berth-cache/app:min`;
  assert.equal((await a.run(['build', ...epoch, '-q', '--cache-to', `type=registry,ref=${minRef},mode=min`, context(a, files)])).code, 0);
  const mm = await manifestOf(`${reg.url}/v2/berth-cache/app/manifests/min`);
  const minCfg = await (await fetch(`${reg.url}/v2/berth-cache/app/blobs/${mm.config.digest}`)).json() as { records: Record<string, unknown> };
  assert.equal(Object.keys(minCfg.records).length, 3, 'COPY --from, COPY, RUN of the final stage');
  const d = new Berth();
  defer(t, () => d.teardown());
  const fromMin = await d.run(['build', ...epoch, '--cache-from', `type=registry,ref=${minRef}`, context(d, files)]);
  assert.equal(fromMin.code, 0, fromMin.stderr);
  assert.deepEqual(cacheReport(fromMin.stderr).ran, ['COPY f /f', 'RUN echo ran-build && cp /f /g']);

  // No cache at the reference yet: a warning, and the build goes on.
  const missing = await c.run(['build', '--cache-from', `type=registry,ref=${reg.host}/berth-cache/none:x`, context(c, { Dockerfile: 'FROM busybox\nRUN true\n' })]);
  assert.equal(missing.code, 0, missing.stderr);
  assert.match(missing.stderr, /--cache-from .*berth-cache\/none:x: not imported/);
  const bad = await c.run(['build', '--cache-to', 'type=registry', context(c, files)]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /ref= is required/);
});

test('--cache-to type=inline: the pushed image carries its cache; --cache-from IMAGE reuses its layers', { skip }, async (t) => {
  const reg = await startRegistry();
  defer(t, () => reg.stop());
  const a = new Berth();
  const b = new Berth();
  defer(t, () => a.teardown());
  defer(t, () => b.teardown());
  const image = `${reg.host}/berth-cache/inline:1`;
  const files = { Dockerfile: 'FROM busybox\nCOPY f /f\nRUN echo ran-step && cp /f /g\n', f: 'inline\n' };
  const first = await a.run(['build', ...epoch, '--cache-to', 'type=inline', '--push', '-t', image, context(a, files)]);
  assert.equal(first.code, 0, first.stderr);
  const m = await manifestOf(`${reg.url}/v2/berth-cache/inline/manifests/1`);
  const cfg = await (await fetch(`${reg.url}/v2/berth-cache/inline/blobs/${m.config.digest}`)).json() as Record<string, unknown>;
  const inline = cfg['berth.build.cache.v1'] as { records: Record<string, { layers: number }> };
  assert.deepEqual(Object.values(inline.records).map((r) => r.layers).sort(), [2, 3], 'the COPY and the RUN, as prefixes of the image layers');

  const second = await b.run(['build', ...epoch, '--cache-from', image, context(b, files)]);
  assert.equal(second.code, 0, second.stderr);
  assert.deepEqual(cacheReport(second.stderr).ran, [], second.stderr);
  const id = (await b.ok(['build', ...epoch, '-q', context(b, files)])).trim();
  assert.equal(await b.ok(['run', '--rm', '--network', 'none', id, 'cat', '/g']), 'inline\n');
});
