import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ImageMetadata } from '../../../src/image/store/index.ts';
import { makeTemp, removeTemp } from '../../helpers/rootfs.ts';

const D = (c: string) => 'sha256:' + c.repeat(64);

test('put/get/list/findByDigest/delete, creation time kept on repoint', (t) => {
  const dir = makeTemp('berth-test-meta-');
  const m = new ImageMetadata(join(dir, 'images.db'));
  t.after(() => { m.close(); removeTemp(dir); });
  const a = m.put({ name: 'docker.io/library/busybox:latest', target: { mediaType: 'application/vnd.oci.image.index.v1+json', digest: D('a'), size: 10 }, manifestDigest: D('b'), configDigest: D('c'), platform: { os: 'linux', architecture: 'amd64' } });
  assert.equal(a.platform?.architecture, 'amd64');
  assert.deepEqual(m.get('docker.io/library/busybox:latest'), a);
  assert.deepEqual(m.findByDigest('sha256:ccc').map((r) => r.name), ['docker.io/library/busybox:latest']);
  assert.deepEqual(m.findByDigest(D('a')).length, 1);
  const b = m.put({ name: 'docker.io/library/busybox:latest', target: { mediaType: 'x', digest: D('d'), size: 1 }, manifestDigest: D('d'), configDigest: D('e') });
  assert.equal(b.created, a.created);
  assert.equal(b.configDigest, D('e'));
  assert.equal(m.list().length, 1);
  assert.equal(m.delete('docker.io/library/busybox:latest'), true);
  assert.equal(m.delete('docker.io/library/busybox:latest'), false);
  assert.equal(m.get('docker.io/library/busybox:latest'), null);
});

test('concurrent processes writing the metadata lose nothing', async (t) => {
  const dir = makeTemp('berth-test-meta-');
  t.after(() => removeTemp(dir));
  const db = join(dir, 'images.db');
  const script = `
    import { ImageMetadata } from ${JSON.stringify(new URL('../../../src/image/store/index.ts', import.meta.url).href)};
    const m = new ImageMetadata(process.argv[1]);
    const who = process.argv[2];
    for (let i = 0; i < 200; i++) {
      m.put({ name: 'img-' + who + '-' + i, target: { mediaType: 'm', digest: 'sha256:' + '0'.repeat(64), size: i }, manifestDigest: 'sha256:' + '1'.repeat(64), configDigest: 'sha256:' + '2'.repeat(64) });
      m.put({ name: 'shared', target: { mediaType: 'm', digest: 'sha256:' + '0'.repeat(64), size: i }, manifestDigest: 'sha256:' + '1'.repeat(64), configDigest: 'sha256:' + '2'.repeat(64) });
    }
    m.close();
  `;
  const run = (who: string) => new Promise<void>((resolve, reject) => {
    const c = spawn(process.execPath, ['--input-type=module', '-e', script, db, who], { stdio: ['ignore', 'inherit', 'inherit'] });
    c.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`writer ${who} exited ${code}`))));
  });
  await Promise.all([run('a'), run('b'), run('c')]);
  const m = new ImageMetadata(db);
  t.after(() => m.close());
  assert.equal(m.list().length, 601);
});
