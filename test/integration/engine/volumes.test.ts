// Volumes through the engine: a named volume outliving its containers, anonymous volumes from
// -v /path and from the image's VOLUME (removed by rm -v), tmpfs mounts, volume commands.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { isRoot } from '../../helpers/rootfs.ts';
import { openImageStore } from '../../../src/image/store/index.ts';
import type { ImageConfig, Manifest } from '../../../src/image/types.ts';
import { assertNoLeaks, Berth, snapshot } from './harness.ts';

const skip = !isRoot && 'needs root';

test('a named volume survives its container; ro is enforced; rm -v removes anonymous ones', { skip }, async (t) => {
  const b = new Berth();
  t.after(() => b.teardown());
  await b.ok(['run', '--rm', 'busybox', 'true']);
  const before = snapshot(b);
  assert.equal((await b.ok(['volume', 'create', '--label', 'suite=engine', 'berth-test-vol'])).trim(), 'berth-test-vol');
  await b.ok(['run', '--name', 'berth-test-writer', '-v', 'berth-test-vol:/data', 'busybox', 'sh', '-c', 'echo persisted > /data/f']);
  await b.ok(['rm', 'berth-test-writer']);
  assert.equal(await b.ok(['run', '--rm', '-v', 'berth-test-vol:/data:ro', 'busybox', 'cat', '/data/f']), 'persisted\n');
  const ro = await b.run(['run', '--rm', '--mount', 'type=volume,source=berth-test-vol,target=/data,readonly', 'busybox', 'touch', '/data/x']);
  assert.equal(ro.code, 1);
  assert.match(ro.stderr, /Read-only file system/);
  // A volume named on first use is created on the fly.
  await b.ok(['run', '--rm', '-v', 'berth-test-auto:/a', 'busybox', 'true']);
  assert.deepEqual((await b.ok(['volume', 'ls', '-q'])).trim().split('\n').sort(), ['berth-test-auto', 'berth-test-vol']);
  const ins = JSON.parse(await b.ok(['volume', 'inspect', 'berth-test-vol'])) as { Mountpoint: string; Labels: Record<string, string> }[];
  assert.equal(ins[0].Labels.suite, 'engine');
  assert.ok(existsSync(join(ins[0].Mountpoint, 'f')));
  // In use: refused.
  await b.ok(['create', '--name', 'berth-test-holder', '-v', 'berth-test-vol:/data', 'busybox', 'true']);
  const inUse = await b.run(['volume', 'rm', 'berth-test-vol']);
  assert.notEqual(inUse.code, 0);
  assert.match(inUse.stderr, /volume is in use/);
  await b.ok(['rm', 'berth-test-holder']);
  // Anonymous volume: kept by rm, removed by rm -v.
  await b.ok(['run', '--name', 'berth-test-anon1', '-v', '/scratch', 'busybox', 'sh', '-c', 'echo a > /scratch/a']);
  await b.ok(['run', '--name', 'berth-test-anon2', '-v', '/scratch', 'busybox', 'true']);
  assert.equal((await b.ok(['volume', 'ls', '-q'])).trim().split('\n').length, 4);
  await b.ok(['rm', '-v', 'berth-test-anon1']);
  await b.ok(['rm', 'berth-test-anon2']);
  assert.equal((await b.ok(['volume', 'ls', '-q'])).trim().split('\n').length, 3);
  const pruned = await b.ok(['volume', 'prune', '-f']);
  assert.match(pruned, /Deleted Volumes:\n[0-9a-f]{64}\n/);
  await b.ok(['volume', 'rm', 'berth-test-vol', 'berth-test-auto']);
  assert.equal((await b.ok(['volume', 'ls', '-q'])).trim(), '');
  assertNoLeaks(b, before);
});

test('tmpfs mounts, --read-only root, bind mounts', { skip }, async (t) => {
  const b = new Berth();
  t.after(() => b.teardown());
  const out = await b.ok(['run', '--rm', '--read-only', '--tmpfs', '/scratch:size=1m', '-v', `${b.tmp}:/host`, 'busybox', 'sh', '-c',
    'grep " /scratch " /proc/mounts; echo x > /scratch/ok && echo tmpfs-writable; touch /nope 2>/dev/null || echo root-read-only; echo from-container > /host/out']);
  assert.match(out, /tmpfs \/scratch tmpfs .*size=1024k/);
  assert.match(out, /tmpfs-writable/);
  assert.match(out, /root-read-only/);
  assert.ok(existsSync(join(b.tmp, 'out')));
  const shm = await b.ok(['run', '--rm', 'busybox', 'sh', '-c', 'grep " /dev/shm " /proc/mounts']);
  assert.match(shm, /size=65536k/);
});

test("the image's VOLUME becomes an anonymous volume, seeded from the image, removed by rm -v", { skip }, async (t) => {
  const b = new Berth();
  t.after(() => b.teardown());
  await b.ok(['image', 'build-busybox']);
  // Derive an image from the built-in one whose config declares VOLUME /etc.
  const store = openImageStore(b.root);
  try {
    const base = store.metadata.get('docker.io/library/busybox:latest')!;
    const manifest = JSON.parse((await store.content.read(base.manifestDigest)).toString()) as Manifest;
    const config = JSON.parse((await store.content.read(base.configDigest)).toString()) as ImageConfig;
    config.config = { ...config.config, Volumes: { '/etc': {} } };
    const cfg = Buffer.from(JSON.stringify(config));
    manifest.config = { ...manifest.config, digest: await store.content.putBuffer(cfg), size: cfg.length };
    const mb = Buffer.from(JSON.stringify(manifest));
    const md = await store.content.putBuffer(mb);
    store.metadata.put({ name: 'docker.io/berth-test/withvolume:1', target: { mediaType: manifest.mediaType!, digest: md, size: mb.length }, manifestDigest: md, configDigest: manifest.config.digest });
  } finally {
    store.close();
  }
  // The generated hosts file is still bound over the volume's /etc/hosts.
  assert.match(await b.ok(['run', '--name', 'berth-test-iv', '--add-host', 'berth-test-h:10.9.8.7', 'berth-test/withvolume:1', 'sh', '-c', 'echo added > /etc/added; cat /etc/hosts']), /10\.9\.8\.7\s+berth-test-h/);
  const vols = (await b.ok(['volume', 'ls', '-q'])).trim().split('\n');
  assert.equal(vols.length, 1);
  const [vol] = JSON.parse(await b.ok(['volume', 'inspect', vols[0]])) as { Mountpoint: string }[];
  // Seeded with the image's /etc, plus what the container wrote.
  assert.ok(existsSync(join(vol.Mountpoint, 'passwd')));
  assert.ok(existsSync(join(vol.Mountpoint, 'added')));
  const ins = JSON.parse(await b.ok(['inspect', 'berth-test-iv'])) as { Mounts: { Type: string; Name: string; Destination: string }[] }[];
  assert.deepEqual(ins[0].Mounts.map((m) => [m.Type, m.Name, m.Destination]), [['volume', vols[0], '/etc']]);
  await b.ok(['rm', '-v', 'berth-test-iv']);
  assert.equal((await b.ok(['volume', 'ls', '-q'])).trim(), '');
});
