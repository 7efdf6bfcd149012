// Cross-platform builds against a two-platform index in a local docker-registry (the host's
// architecture and a foreign one; the foreign image is busybox layers under a config that says
// that architecture: it never runs). --platform and FROM --platform pick the manifest, the
// TARGET* args follow --platform, the image says the final stage's platform, COPY-only foreign
// stages build, and a RUN in a foreign stage stops with a clear error without an emulator;
// several platforms at once make an index.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isRoot, makeTemp, removeTemp } from '../../helpers/rootfs.ts';
import { defer } from '../../helpers/cleanup.ts';
import { startRegistry } from '../../helpers/registry.ts';
import { buildOciLayout, skopeoPush } from '../../helpers/images.ts';
import { binfmtHandlers } from '../../../src/engine/build/platform.ts';
import { Berth } from '../engine/harness.ts';
import { context } from './util.ts';

const skip = !isRoot && 'needs root';
const hostArch = process.arch === 'x64' ? 'amd64' : process.arch;
const foreign = hostArch === 'arm64' ? 'amd64' : 'arm64';
// ELF machines of the foreign architecture (aarch64 183, x86-64 62): with a handler, RUN would run.
const emulated = binfmtHandlers().some((h) => h.machine === (foreign === 'arm64' ? 183 : 62));

test('--platform and FROM --platform: the manifest of the index, TARGET* args, the image architecture, RUN refused without an emulator', { skip, timeout: 300_000 }, async (t) => {
  const reg = await startRegistry();
  defer(t, () => reg.stop());
  const layoutDir = makeTemp('berth-multi-');
  defer(t, () => removeTemp(layoutDir));
  const layout = buildOciLayout(layoutDir, { platforms: [{ os: 'linux', architecture: hostArch }, { os: 'linux', architecture: foreign }] });
  const image = `${reg.host}/berth-build/multi:1`;
  await skopeoPush(layout, image);
  const b = new Berth();
  defer(t, () => b.teardown());
  // The host's image under the name first: a cross build must not take its place.
  await b.ok(['pull', image]);

  const files = {
    Dockerfile: `FROM ${image}\nARG TARGETPLATFORM\nARG TARGETARCH\nCOPY f /f\nLABEL platform=$TARGETPLATFORM arch=$TARGETARCH\n`,
    f: 'copied\n',
  };
  const out = join(b.tmp, 'out');
  const r = await b.run(['build', '--platform', `linux/${foreign}`, '-t', 'cross:1', '-o', `type=local,dest=${out}`, context(b, files)]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(readFileSync(join(out, 'etc/berth-platform'), 'utf8'), `linux/${foreign}\n`, 'the foreign manifest of the index');
  assert.equal(readFileSync(join(out, 'f'), 'utf8'), 'copied\n');
  const cross = JSON.parse(await b.ok(['image', 'inspect', 'cross:1']))[0];
  assert.equal(cross.Architecture, foreign);
  assert.equal(cross.Os, 'linux');
  assert.deepEqual(cross.Config.Labels, { platform: `linux/${foreign}`, arch: foreign });
  assert.equal(JSON.parse(await b.ok(['image', 'inspect', image]))[0].Architecture, hostArch, 'the stored name still has the host image');

  // FROM --platform in the Dockerfile, no --platform: TARGETARCH stays the host's; the image is
  // the final stage's platform. The usual cross pattern: RUN on $BUILDPLATFORM, copied into it.
  const out2 = join(b.tmp, 'out2');
  const r2 = await b.run(['build', '-t', 'cross:2', '-o', `type=local,dest=${out2}`, context(b, {
    Dockerfile: `FROM --platform=$BUILDPLATFORM ${image} AS build\nARG TARGETARCH\nRUN echo "built for $TARGETARCH on $(cat /etc/berth-platform)" > /out\nFROM --platform=linux/${foreign} ${image}\nCOPY --from=build /out /out\n`,
  })]);
  assert.equal(r2.code, 0, r2.stderr);
  assert.equal(readFileSync(join(out2, 'out'), 'utf8'), `built for ${hostArch} on linux/${hostArch}\n`);
  assert.equal(readFileSync(join(out2, 'etc/berth-platform'), 'utf8'), `linux/${foreign}\n`);
  assert.equal(JSON.parse(await b.ok(['image', 'inspect', 'cross:2']))[0].Architecture, foreign);

  // RUN in the foreign stage: refused unless binfmt_misc has a handler for that architecture.
  const r3 = await b.run(['build', '--platform', `linux/${foreign}`, context(b, { Dockerfile: `FROM ${image}\nRUN true\n` })]);
  if (emulated) assert.equal(r3.code, 0, r3.stderr);
  else {
    assert.equal(r3.code, 1);
    assert.match(r3.stderr, new RegExp(`Dockerfile:2: .*stage for linux/${foreign} needs an emulator.*no binfmt_misc handler for ${foreign} is registered`));
  }
  const none = await b.run(['build', '--platform', 'linux/s390x', context(b, files)]);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /no image for platform linux\/s390x/);
});

test('--platform A,B: an image per platform under one index, pushed whole; the host\'s is the one that runs here', { skip, timeout: 300_000 }, async (t) => {
  const reg = await startRegistry();
  defer(t, () => reg.stop());
  const layoutDir = makeTemp('berth-multi-');
  defer(t, () => removeTemp(layoutDir));
  const layout = buildOciLayout(layoutDir, { platforms: [{ os: 'linux', architecture: hostArch }, { os: 'linux', architecture: foreign }] });
  const image = `${reg.host}/berth-build/base:1`;
  await skopeoPush(layout, image);
  const b = new Berth();
  defer(t, () => b.teardown());
  const files = { Dockerfile: `FROM ${image}\nARG TARGETARCH\nCOPY f /f\nLABEL arch=$TARGETARCH\n`, f: 'both\n' };
  const ref = `${reg.host}/berth-build/multi-out:1`;
  const r = await b.run(['build', '--platform', `linux/${hostArch},linux/${foreign}`, '--push', '-t', ref, context(b, files)]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`\\[linux/${foreign} stage-0 \\d+/\\d+\\] COPY f /f`), 'progress names the platform');
  const get = async (path: string, accept: string) => {
    const res = await fetch(`${reg.url}/v2/berth-build/multi-out/${path}`, { headers: { Accept: accept } });
    assert.equal(res.status, 200, path);
    return await res.json() as never;
  };
  const index = await get('manifests/1', 'application/vnd.oci.image.index.v1+json') as { mediaType: string; manifests: { digest: string; platform: { architecture: string } }[] };
  assert.equal(index.mediaType, 'application/vnd.oci.image.index.v1+json');
  assert.deepEqual(index.manifests.map((m) => m.platform.architecture), [hostArch, foreign]);
  for (const m of index.manifests) {
    const manifest = await get(`manifests/${m.digest}`, 'application/vnd.oci.image.manifest.v1+json') as { config: { digest: string } };
    const config = await get(`blobs/${manifest.config.digest}`, '*/*') as { architecture: string; config: { Labels: Record<string, string> } };
    assert.equal(config.architecture, m.platform.architecture);
    assert.deepEqual(config.config.Labels, { arch: m.platform.architecture }, 'TARGETARCH per platform');
  }
  assert.equal(JSON.parse(await b.ok(['image', 'inspect', ref]))[0].Architecture, hostArch);
  assert.equal(await b.ok(['run', '--rm', '--network', 'none', ref, 'cat', '/f', '/etc/berth-platform']), `both\nlinux/${hostArch}\n`);
  // Another root pulls the index for the foreign platform and gets that platform's image.
  const c = new Berth();
  defer(t, () => c.teardown());
  await c.ok(['pull', '--platform', `linux/${foreign}`, ref]);
  assert.equal(JSON.parse(await c.ok(['image', 'inspect', ref]))[0].Architecture, foreign);

  const local = await b.run(['build', '--platform', `linux/${hostArch},linux/${foreign}`, '-o', `type=local,dest=${join(b.tmp, 'x')}`, context(b, files)]);
  assert.equal(local.code, 1);
  assert.match(local.stderr, /--output type=local takes one platform/);
  const twice = await b.run(['build', '--platform', `linux/${foreign},linux/${foreign}`, context(b, files)]);
  assert.equal(twice.code, 1);
  assert.match(twice.stderr, /is given twice/);
});
