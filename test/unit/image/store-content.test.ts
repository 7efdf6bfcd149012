import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { FileContentStore, sha256Digest, DigestMismatchError, SizeMismatchError, acquireLock } from '../../../src/image/store/index.ts';
import { makeTemp, removeTemp } from '../../helpers/rootfs.ts';

function tempStore(t: { after: (fn: () => void) => void }): FileContentStore {
  const dir = makeTemp('berth-test-store-');
  t.after(() => removeTemp(dir));
  return new FileContentStore(dir);
}

test('putBuffer stores by digest and reads back', async (t) => {
  const s = tempStore(t);
  const data = Buffer.from('hello berth');
  const d = await s.putBuffer(data);
  assert.equal(d, 'sha256:' + createHash('sha256').update(data).digest('hex'));
  assert.ok(await s.has(d));
  assert.deepEqual(await s.info(d), { digest: d, size: data.length });
  assert.deepEqual(await s.read(d), data);
  assert.equal(s.path(d), join(s.root, 'blobs/sha256', d.slice(7)));
  const all = [];
  for await (const b of s.list()) all.push(b);
  assert.deepEqual(all, [{ digest: d, size: data.length }]);
  await s.delete(d);
  assert.equal(await s.has(d), false);
});

test('a wrong digest is rejected and nothing is stored', async (t) => {
  const s = tempStore(t);
  const claimed = sha256Digest('something else');
  const w = await s.writer({ digest: claimed });
  await w.write(Buffer.from('the real bytes'));
  await assert.rejects(w.commit(), DigestMismatchError);
  assert.equal(await s.has(claimed), false);
  assert.deepEqual(readdirSync(s.blobDir), []);
  assert.deepEqual(readdirSync(s.ingestDir), []);
  await assert.rejects(s.putBuffer(Buffer.from('x'), { digest: claimed }), DigestMismatchError);
});

test('a wrong size is rejected, also when too many bytes arrive', async (t) => {
  const s = tempStore(t);
  const data = Buffer.from('0123456789');
  const w = await s.writer({ digest: sha256Digest(data), size: 5 });
  await assert.rejects(w.write(data), SizeMismatchError);
  const w2 = await s.writer({ digest: sha256Digest(data), size: 20 });
  await w2.write(data);
  await assert.rejects(w2.commit(), SizeMismatchError);
  assert.equal(await s.has(sha256Digest(data)), false);
});

test('an aborted write resumes at its offset', async (t) => {
  const s = tempStore(t);
  const data = Buffer.alloc(100000, 7);
  data.write('unique', 5000);
  const digest = sha256Digest(data);
  const w = await s.writer({ digest, size: data.length });
  assert.equal(w.offset, 0);
  await w.write(data.subarray(0, 30000));
  await w.abort();
  const w2 = await s.writer({ digest, size: data.length });
  assert.equal(w2.offset, 30000);
  await w2.write(data.subarray(w2.offset));
  await w2.commit();
  assert.deepEqual(await s.read(digest), data);
  const w3 = await s.writer({ digest });
  assert.equal(w3.exists, true);
  assert.equal(w3.offset, data.length);
});

test('a second writer in the same process waits for the first and dedups', async (t) => {
  const s = tempStore(t);
  const data = Buffer.from('shared layer');
  const digest = sha256Digest(data);
  const w1 = await s.writer({ digest });
  let second: Awaited<ReturnType<typeof s.writer>> | undefined;
  const p = s.writer({ digest }).then((w) => { second = w; });
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(second, undefined, 'second writer must wait while the first holds the lock');
  await w1.write(data);
  await w1.commit();
  await p;
  assert.equal(second!.exists, true);
});

test('a stale lock (dead owner) is broken', async (t) => {
  const s = tempStore(t);
  const digest = sha256Digest('x');
  // pid 2^22-1 is above pid_max defaults: no such process.
  writeFileSync(join(s.ingestDir, digest.slice(7) + '.lock'), '4194303 12345\n');
  const w = await s.writer({ digest });
  await w.write(Buffer.from('x'));
  await w.commit();
  assert.ok(await s.has(digest));
  const lock = await acquireLock(join(s.root, 'l'), { timeoutMs: 100 });
  await assert.rejects(acquireLock(join(s.root, 'l'), { timeoutMs: 100 }), /timed out/);
  lock.release();
});

test('two processes writing one digest store it once', async (t) => {
  const s = tempStore(t);
  const data = Buffer.alloc(4 << 20);
  for (let i = 0; i < data.length; i += 4096) data.writeUInt32LE(i, i);
  const digest = sha256Digest(data);
  const src = join(s.root, 'src.bin');
  writeFileSync(src, data);
  const script = `
    import { FileContentStore } from ${JSON.stringify(new URL('../../../src/image/store/index.ts', import.meta.url).href)};
    import { readFileSync } from 'node:fs';
    const s = new FileContentStore(process.argv[1]);
    const data = readFileSync(process.argv[2]);
    const w = await s.writer({ digest: process.argv[3], size: data.length });
    if (w.exists) { console.log('dedup'); process.exit(0); }
    for (let i = 0; i < data.length; i += 65536) { await w.write(data.subarray(i, i + 65536)); await new Promise(r => setTimeout(r, 2)); }
    await w.commit();
    console.log('wrote');
  `;
  const run = () => new Promise<string>((resolve, reject) => {
    const c = spawn(process.execPath, ['--input-type=module', '-e', script, s.root, src, digest], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    c.stdout.on('data', (b) => { out += b; });
    c.on('exit', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`child exited ${code}`))));
  });
  const results = await Promise.all([run(), run()]);
  assert.deepEqual(results.sort(), ['dedup', 'wrote']);
  assert.deepEqual(readFileSync(s.path(digest)), data);
  assert.deepEqual(readdirSync(s.ingestDir), []);
});

test('putStream stores a stream of unknown digest', async (t) => {
  const s = tempStore(t);
  async function* gen() { yield Buffer.from('ab'); yield Buffer.from('cd'); }
  const r = await s.putStream(gen());
  assert.deepEqual(r, { digest: sha256Digest('abcd'), size: 4 });
  assert.equal((await s.read(r.digest)).toString(), 'abcd');
  assert.equal(existsSync(s.tmpDir) && readdirSync(s.tmpDir).length, 0);
});
