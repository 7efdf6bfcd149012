// unpackLayerThreaded (a worker thread per layer) against unpackLayer: the same tree, modes the
// umask would mask set exactly (the umask is never changed now), typed errors across the thread
// boundary, and a failing source aborting the worker with nothing left open.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packTar, TruncatedTarError, type PackItem } from '../../../src/image/tar/index.ts';
import { unpackLayer, HostileLayerError, DiffIdMismatchError } from '../../../src/image/unpack/index.ts';
import { unpackLayerThreaded, workerAvailable, WORKER_MIN_BYTES } from '../../../src/image/unpack/threaded.ts';
import { makeTemp, removeTemp } from '../../helpers/rootfs.ts';

async function tarOf(items: PackItem[]): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of packTar(items)) parts.push(c);
  return Buffer.concat(parts);
}
async function* chunked(b: Buffer, n = 7000) { for (let i = 0; i < b.length; i += n) yield b.subarray(i, i + n); }

function dirs(t: { after: (fn: () => void) => void }, ...names: string[]): string[] {
  const top = makeTemp('berth-test-threaded-');
  t.after(() => { execFileSync('chmod', ['-R', 'u+rwX', top]); removeTemp(top); });
  return names.map((n) => { const d = join(top, n); mkdirSync(d); return d; });
}

/** path → mode (with type), size, mtime, link target, for comparing two trees. */
function describe(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const name of readdirSync(join(root, rel)).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const st = lstatSync(join(root, r));
      // Implicit parents (not in the layer) carry the time they were made.
      const mtime = r === 'deep' || r === 'deep/implicit' ? '-' : Math.round(st.mtimeMs);
      out[r] = [st.mode.toString(8), st.size, mtime, st.isSymbolicLink() ? readlinkSync(join(root, r)) : ''].join(' ');
      if (st.isDirectory()) walk(r);
    }
  };
  walk('');
  return out;
}

const items: PackItem[] = [
  { entry: { name: 'etc/', type: 'dir', mode: 0o755, mtime: 1500000000 } },
  { entry: { name: 'etc/shared', type: 'file', mode: 0o666, mtime: 1500000001 }, body: Buffer.from('rw for all') },
  { entry: { name: 'tmp/', type: 'dir', mode: 0o1777, mtime: 1500000002 } },
  { entry: { name: 'srv/', type: 'dir', mode: 0o775, mtime: 1500000003 } },
  { entry: { name: 'srv/run.sh', type: 'file', mode: 0o777, mtime: 1500000004 }, body: Buffer.from('#!/bin/sh\n') },
  { entry: { name: 'deep/implicit/file', type: 'file', mode: 0o644, mtime: 1500000005 }, body: Buffer.alloc(200_000, 7) },
  { entry: { name: 'srv/link', type: 'symlink', linkname: 'run.sh', mtime: 1500000006 } },
  { entry: { name: 'srv/hard', type: 'link', linkname: 'srv/run.sh' } },
];

test('the worker source is found (not a bundled build)', () => {
  assert.equal(workerAvailable(), 'source');
});

test('bundled (as scripts/build.sh does): the worker bundle beside the code is used', async (t) => {
  const [dir, out] = dirs(t, 'bundle', 'out');
  const top = join(import.meta.dirname, '..', '..', '..');
  const esbuild = join(top, 'node_modules', '.bin', 'esbuild');
  const entry = join(dir, 'entry.ts');
  writeFileSync(entry, `import { unpackLayerThreaded, workerAvailable } from ${JSON.stringify(join(top, 'src/image/unpack/threaded.ts'))};
import { createReadStream } from 'node:fs';
const r = await unpackLayerThreaded(createReadStream(process.argv[2]), process.argv[3]);
console.log(JSON.stringify({ how: workerAvailable(), entries: r.entries }));
`);
  const common = ['--bundle', '--platform=node', '--format=esm', '--target=node26', '--log-level=warning'];
  execFileSync(esbuild, [entry, ...common, `--outfile=${join(dir, 'lib', 'main.mjs')}`]);
  execFileSync(esbuild, [join(top, 'src/image/unpack/worker.ts'), ...common, `--outfile=${join(dir, 'lib', 'unpack-worker.mjs')}`]);
  const layer = join(dir, 'layer.tar');
  writeFileSync(layer, await tarOf(items));
  const res = JSON.parse(execFileSync(process.execPath, [join(dir, 'lib', 'main.mjs'), layer, out], { encoding: 'utf8' }));
  assert.deepEqual(res, { how: 'bundle', entries: items.length });
  assert.equal(statSync(join(out, 'tmp')).mode & 0o7777, 0o1777);
});

test('a worker thread unpacks the same tree as the main thread, modes unmasked', async (t) => {
  const tar = await tarOf(items);
  const diffID = 'sha256:' + createHash('sha256').update(tar).digest('hex');
  const [a, b] = dirs(t, 'main', 'worker');
  const gz = gzipSync(tar);
  const ra = await unpackLayer(chunked(gz), a, { expectedDiffID: diffID, umask: 0o022 });
  const rb = await unpackLayerThreaded(chunked(gz), b, { expectedDiffID: diffID });
  assert.deepEqual({ ...rb }, { ...ra });
  assert.deepEqual(describe(b), describe(a));
  assert.equal(statSync(join(b, 'etc/shared')).mode & 0o7777, 0o666);
  assert.equal(statSync(join(b, 'tmp')).mode & 0o7777, 0o1777);
  assert.equal(statSync(join(b, 'srv')).mode & 0o7777, 0o775);
  assert.equal(statSync(join(b, 'srv/run.sh')).mode & 0o7777, 0o777);
  assert.equal(statSync(join(b, 'deep')).mode & 0o7777, 0o755);
  assert.equal(readFileSync(join(b, 'deep/implicit/file')).length, 200_000);
  assert.equal(statSync(join(b, 'srv/hard')).ino, statSync(join(b, 'srv/run.sh')).ino);
});

test('a strict umask (077) still gives the modes of the layer', async (t) => {
  const [d] = dirs(t, 'strict');
  await unpackLayer(chunked(await tarOf(items)), d, { umask: 0o077 });
  assert.equal(statSync(join(d, 'etc/shared')).mode & 0o7777, 0o666);
  assert.equal(statSync(join(d, 'deep')).mode & 0o7777, 0o755);
  assert.equal(statSync(join(d, 'deep/implicit/file')).mode & 0o7777, 0o644);
  assert.equal(statSync(join(d, 'tmp')).mode & 0o7777, 0o1777);
});

test('errors cross the thread boundary as their own classes, with their fields', async (t) => {
  const [d1, d2, d3] = dirs(t, 'hostile', 'diffid', 'truncated');
  const hostile = await tarOf([{ entry: { name: 'a/../../escape', type: 'file', mode: 0o644 }, body: Buffer.from('x') }]);
  await assert.rejects(unpackLayerThreaded(chunked(hostile), d1), (e: unknown) => e instanceof HostileLayerError && e.entry === 'a/../../escape' && /climbs out/.test(e.message));
  const ok = await tarOf(items);
  await assert.rejects(unpackLayerThreaded(chunked(ok), d2, { expectedDiffID: 'sha256:' + '0'.repeat(64) }),
    (e: unknown) => e instanceof DiffIdMismatchError && e.expected === 'sha256:' + '0'.repeat(64) && e.actual.startsWith('sha256:'));
  await assert.rejects(unpackLayerThreaded(chunked(ok.subarray(0, 1000)), d3), TruncatedTarError);
});

test('a source that fails mid-layer fails the unpack with its error; no descriptor is left open', async (t) => {
  const [d] = dirs(t, 'cut');
  const fds = () => readdirSync('/proc/self/fd').length;
  const before = fds();
  const tar = await tarOf(items);
  async function* cut() { yield tar.subarray(0, 150_000); throw new Error('connection reset'); }
  await assert.rejects(unpackLayerThreaded(cut(), d), /connection reset/);
  // The worker closed the file it was writing before it ended.
  assert.equal(fds(), before);
});

test('many layers at once (more than the cores) all finish', async (t) => {
  const tar = await tarOf(items);
  const ds = dirs(t, ...Array.from({ length: 6 }, (_, i) => `l${i}`));
  const rs = await Promise.all(ds.map((d) => unpackLayerThreaded(chunked(tar, 1 << 16), d)));
  assert.equal(new Set(rs.map((r) => r.diffID)).size, 1);
  for (const d of ds) assert.equal(readFileSync(join(d, 'srv/run.sh'), 'utf8'), '#!/bin/sh\n');
});

test('a layer smaller than WORKER_MIN_BYTES unpacks in this thread; a big one in a worker', async (t) => {
  const tar = await tarOf(items);
  const [d1, d2] = dirs(t, 'small', 'big');
  const tasks = () => readdirSync('/proc/self/task').length;
  const probe = (seen: number[]) => async function* () {
    yield tar.subarray(0, 4096);
    await new Promise((r) => setTimeout(r, 100)); // a worker, if any, is running by now
    seen.push(tasks());
    yield tar.subarray(4096);
  };
  const before = tasks();
  const small: number[] = [];
  const big: number[] = [];
  await unpackLayerThreaded(probe(small)(), d1, { sizeHint: WORKER_MIN_BYTES - 1 });
  await unpackLayerThreaded(probe(big)(), d2, { sizeHint: WORKER_MIN_BYTES });
  assert.equal(small[0], before);
  assert.ok(big[0] > before, `threads: ${before} before, ${big[0]} while unpacking`);
  assert.equal(readFileSync(join(d1, 'srv/run.sh'), 'utf8'), readFileSync(join(d2, 'srv/run.sh'), 'utf8'));
});
