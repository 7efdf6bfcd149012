// docker build (the legacy builder's POST /build, DOCKER_BUILDKIT=0) from the real docker CLI
// against berthd's Docker API: the image, its tags and cache, --iidfile, -q, a failing step.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defer } from '../../helpers/cleanup.ts';
import { isRoot } from '../../helpers/rootfs.ts';
import { ApiDaemon, Berth, DOCKER } from './harness.ts';

const skip = !isRoot ? 'needs root' : !existsSync(DOCKER) ? `needs the docker CLI at ${DOCKER}` : false;

test('docker build through the Docker API: image, tags, cache, --iidfile, -q, failure', { skip, timeout: 300_000 }, async (t) => {
  const b = new Berth();
  defer(t, () => b.teardown());
  await b.ok(['image', 'build-busybox']);
  const api = new ApiDaemon(b);
  defer(t, () => api.stop());
  await api.start();
  const env = api.env({ DOCKER_BUILDKIT: '0' });
  const ctx = join(b.tmp, 'ctx');
  mkdirSync(ctx);
  writeFileSync(join(ctx, 'Dockerfile'), 'FROM busybox\nARG WHO=nobody\nCOPY f /f\nRUN echo "built for $WHO" && cat /f > /g\nCMD ["cat", "/g"]\n');
  writeFileSync(join(ctx, 'f'), 'payload\n');
  const iid = join(b.tmp, 'iid');
  const r = await api.docker(['build', '-t', 'api-built:1', '-t', 'api-built:latest', '--build-arg', 'WHO=docker', '--iidfile', iid, ctx], { env, timeoutMs: 120_000 });
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}\n${api.log}`);
  assert.match(r.stdout, /Step 4\/5 : RUN echo "built for \$WHO"/);
  assert.match(r.stdout, /built for docker/);
  assert.match(r.stdout, /Successfully tagged api-built:1/);
  const id = readFileSync(iid, 'utf8').trim();
  assert.match(id, /^sha256:[0-9a-f]{64}$/);
  assert.equal(await b.ok(['run', '--rm', '--network', 'none', 'api-built:latest']), 'payload\n');
  const again = await api.docker(['build', '-q', '-t', 'api-built:1', '--build-arg', 'WHO=docker', ctx], { env, timeoutMs: 120_000 });
  assert.equal(again.code, 0, again.stderr);
  assert.equal(again.stdout.trim(), id, 'the same image from the cache');
  writeFileSync(join(ctx, 'Dockerfile'), 'FROM busybox\nRUN echo failing-step && exit 4\n');
  const bad = await api.docker(['build', ctx], { env, timeoutMs: 120_000 });
  assert.notEqual(bad.code, 0);
  assert.match(bad.stdout + bad.stderr, /failing-step/);
  assert.match(bad.stdout + bad.stderr, /exit code: 4/);
});
