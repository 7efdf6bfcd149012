// Pulls by several `berth` processes on one root, and a pull killed with SIGKILL while a big blob
// downloads: blob GETs are counted at a throttling proxy in front of a real registry.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { openImageStore } from '../../../src/image/index.ts';
import { chainIDs } from '../../../src/image/snapshots/layers.ts';
import { startRegistry, type RegistryInstance } from '../../helpers/registry.ts';
import { isRoot, makeTemp, removeTemp } from '../../helpers/rootfs.ts';
import { berthIn, expectCode } from '../image-cli/cli.ts';
import { bigLayer, checkBlobs, entries, LAYER_TYPES, pushRawImage, startBerth, startCountingProxy, tarOf, type PushedImage } from './support.ts';
import { gzipSync } from 'node:zlib';

let tmp: string;
let reg: RegistryInstance;
let img: PushedImage;
const SIZE = 24 << 20;

before(async () => {
  if (!isRoot) return;
  tmp = makeTemp('berth-test-audit-pull-');
  reg = await startRegistry();
  const small = await tarOf([{ entry: { name: 'etc/hello', type: 'file', mode: 0o644 }, body: Buffer.from('hello\n') }]);
  img = await pushRawImage(reg.url, 'audit/big', 'v1', [
    { data: gzipSync(small), mediaType: LAYER_TYPES.gzip },
    { ...(await bigLayer('big.bin', SIZE)), mediaType: LAYER_TYPES.gzip },
  ]);
});
after(async () => {
  await reg?.stop();
  if (tmp) removeTemp(tmp);
});

const images = (root: string, driver: 'copy' | 'overlay') => {
  const s = openImageStore(root, { driver });
  try {
    return { names: s.metadata.list().map((r) => r.name).sort(), committed: s.snapshotter.list().filter((x) => x.kind === 'committed').map((x) => x.key).sort(), active: s.snapshotter.list().filter((x) => x.kind !== 'committed').map((x) => x.key) };
  } finally { s.close(); }
};

for (const driver of ['copy', 'overlay'] as const) {
  test(`two berth pull processes at once (${driver}) download and store each blob once`, { skip: !isRoot && 'needs root' }, async (t) => {
    const proxy = await startCountingProxy(reg.host, { bytesPerSec: 8 << 20 });
    t.after(() => proxy.stop());
    const dir = join(tmp, `both-${driver}`);
    const ref = `${proxy.host}/audit/big:v1`;
    const a = startBerth(dir, ['pull', ref], { BERTH_SNAPSHOTTER: driver });
    const b = startBerth(dir, ['pull', ref], { BERTH_SNAPSHOTTER: driver });
    const [ra, rb] = await Promise.all([a.done, b.done]);
    assert.equal(ra.code, 0, ra.stderr);
    assert.equal(rb.code, 0, rb.stderr);
    // both processes asked for the manifest while the big blob was still downloading
    const manifests = proxy.seen.filter((s) => s.method === 'GET' && s.path.includes('/manifests/'));
    const big = proxy.blobGets(img.layers[1].digest);
    assert.equal(manifests.length, 2, 'both processes reached the registry');
    assert.equal(big.length, 1, `the big blob was fetched once: ${JSON.stringify(big)}`);
    assert.ok(manifests.every((m) => m.start < big[0].end!), 'the pulls overlapped');
    assert.equal(big[0].bytes, img.layers[1].size);
    for (const d of [img.configDigest, img.layers[0].digest]) assert.ok(proxy.blobGets(d).length <= 1, `${d} fetched at most once`);
    assert.deepEqual(checkBlobs(join(dir, 'root')).sort(), [img.manifestDigest, img.configDigest, ...img.layers.map((l) => l.digest)].sort());
    assert.deepEqual(entries(join(dir, 'root', 'ingest')), [], 'no ingest leftovers');
    const st = images(join(dir, 'root'), driver);
    assert.deepEqual(st.names, [`${proxy.host}/audit/big:v1`, `${proxy.host}/audit/big@${img.manifestDigest}`]);
    assert.deepEqual(st.committed, chainIDs(img.layers.map((l) => l.diffId)).sort(), 'each layer unpacked once');
    assert.deepEqual(st.active, []);
  });
}

for (const driver of ['copy', 'overlay'] as const) {
test(`a berth pull killed mid-blob (${driver}) loses nothing; the next pull resumes with Range and succeeds`, { skip: !isRoot && 'needs root' }, async (t) => {
  const slow = await startCountingProxy(reg.host, { bytesPerSec: 4 << 20 });
  t.after(() => slow.stop());
  const dir = join(tmp, `killed-${driver}`);
  const root = join(dir, 'root');
  const hex = img.layers[1].digest.slice(7);
  const partial = join(root, 'ingest', hex, 'data');
  const p = startBerth(dir, ['pull', `${slow.host}/audit/big:v1`], { BERTH_SNAPSHOTTER: driver });
  const deadline = Date.now() + 60_000;
  while (!(existsSync(partial) && statSync(partial).size > 4 << 20)) {
    if (Date.now() > deadline || p.child.exitCode !== null) throw new Error(`no partial download: ${(await p.done).stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  p.child.kill('SIGKILL');
  const killed = await p.done;
  assert.equal(killed.signal, 'SIGKILL');
  const kept = statSync(partial).size;
  assert.ok(kept > 4 << 20 && kept < img.layers[1].size, `partial data kept (${kept})`);
  // no half blob visible, no image named, no committed snapshot of the big layer
  const blobs = checkBlobs(root);
  assert.ok(!blobs.includes(img.layers[1].digest) && !blobs.includes(img.manifestDigest), 'neither the big blob nor the manifest is stored');
  const st = images(root, driver);
  assert.deepEqual(st.names, []);
  // overlay unpacks while downloading: the killed process's unpack is an active extract-<pid>
  // snapshot, which the next pull (or GC) removes because its owner is dead
  for (const key of st.active) assert.match(key, new RegExp(`^extract-${p.child.pid}-`));
  if (driver === 'copy') assert.deepEqual(st.active, []);

  // the next pull (another process, same root) breaks the dead owner's lock and resumes
  const fast = await startCountingProxy(reg.host);
  t.after(() => fast.stop());
  const r = await startBerth(dir, ['pull', `${fast.host}/audit/big:v1`], { BERTH_SNAPSHOTTER: driver }).done;
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Downloaded newer image/);
  const gets = fast.blobGets(img.layers[1].digest);
  assert.equal(gets.length, 1, JSON.stringify(gets));
  const from = Number(/^bytes=(\d+)-$/.exec(gets[0].range ?? '')?.[1]);
  assert.ok(from > 0 && from <= kept, `resumed with a Range from the kept bytes: ${gets[0].range}`);
  assert.equal(gets[0].bytes, img.layers[1].size - from, 'only the missing bytes were downloaded');
  assert.deepEqual(checkBlobs(root).sort(), [img.manifestDigest, img.configDigest, ...img.layers.map((l) => l.digest)].sort());
  assert.deepEqual(entries(join(root, 'ingest')), [], 'the partial download and its lock are gone');
  const after = images(root, driver);
  assert.deepEqual(after.names, [`${fast.host}/audit/big:v1`, `${fast.host}/audit/big@${img.manifestDigest}`]);
  assert.deepEqual(after.committed, chainIDs(img.layers.map((l) => l.diffId)).sort());
  assert.deepEqual(after.active, []);
  // the image's big file is complete in its snapshot
  const s = openImageStore(root, { driver });
  try {
    const [bottom, top] = chainIDs(img.layers.map((l) => l.diffId));
    assert.equal(statSync(join(s.snapshotter.fsPath(top), 'big.bin')).size, SIZE);
    assert.ok(readdirSync(join(s.snapshotter.fsPath(bottom), 'etc')).includes('hello'));
  } finally { s.close(); }
});
}

test('a pull waiting on another process\'s download takes over when that process is SIGKILLed', { skip: !isRoot && 'needs root' }, async (t) => {
  const proxy = await startCountingProxy(reg.host, { bytesPerSec: 4 << 20 });
  t.after(() => proxy.stop());
  const dir = join(tmp, 'takeover');
  const partial = join(dir, 'root', 'ingest', img.layers[1].digest.slice(7), 'data');
  const ref = `${proxy.host}/audit/big:v1`;
  const a = startBerth(dir, ['pull', ref]);
  const deadline = Date.now() + 60_000;
  while (!(existsSync(partial) && statSync(partial).size > 2 << 20)) {
    if (Date.now() > deadline || a.child.exitCode !== null) throw new Error(`no partial download: ${(await a.done).stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const b = startBerth(dir, ['pull', ref]);
  // B is waiting once it has asked for the manifest and the blob lock is A's
  while (proxy.seen.filter((s) => s.path.includes('/manifests/')).length < 2) {
    if (Date.now() > deadline || b.child.exitCode !== null) throw new Error(`B did not start: ${(await b.done).stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  await new Promise((r) => setTimeout(r, 300));
  a.child.kill('SIGKILL');
  assert.equal((await a.done).signal, 'SIGKILL');
  const rb = await b.done;
  assert.equal(rb.code, 0, rb.stderr);
  const gets = proxy.blobGets(img.layers[1].digest);
  assert.equal(gets.length, 2, `A's GET and B's resumed GET: ${JSON.stringify(gets)}`);
  const from = Number(/^bytes=(\d+)-$/.exec(gets[1].range ?? '')?.[1]);
  assert.ok(from >= 2 << 20, `B resumed from A's partial data: ${gets[1].range}`);
  assert.deepEqual(checkBlobs(join(dir, 'root')).sort(), [img.manifestDigest, img.configDigest, ...img.layers.map((l) => l.digest)].sort());
  assert.deepEqual(entries(join(dir, 'root', 'ingest')), []);
  assert.deepEqual(images(join(dir, 'root'), 'copy').names, [`${proxy.host}/audit/big:v1`, `${proxy.host}/audit/big@${img.manifestDigest}`]);
});

test('concurrent berth tag processes on one root lose no name', { skip: !isRoot && 'needs root' }, async () => {
  const dir = join(tmp, 'tags');
  const berth = berthIn(dir);
  expectCode(await berth(['pull', `${reg.host}/audit/big:v1`]), 0, 'pull');
  const n = 6;
  const runs = await Promise.all(Array.from({ length: n }, (_, i) => startBerth(dir, ['tag', `${reg.host}/audit/big:v1`, `local/t${i}:v${i}`]).done));
  for (const r of runs) assert.equal(r.code, 0, r.stderr);
  const names = images(join(dir, 'root'), 'copy').names;
  for (let i = 0; i < n; i++) assert.ok(names.includes(`docker.io/local/t${i}:v${i}`), `tag ${i} kept: ${names.join(' ')}`);
  assert.equal(names.length, n + 2);
});
