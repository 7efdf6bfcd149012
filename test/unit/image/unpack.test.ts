import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { gzipSync, zstdCompressSync } from 'node:zlib';
import { existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packTar, TruncatedTarError, type PackItem } from '../../../src/image/tar/index.ts';
import { unpackLayer, HostileLayerError, DiffIdMismatchError, cleanName } from '../../../src/image/unpack/index.ts';
import { makeTemp, removeTemp } from '../../helpers/rootfs.ts';

async function tarOf(items: PackItem[]): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of packTar(items)) parts.push(c);
  return Buffer.concat(parts);
}
async function* chunked(b: Buffer, n = 4096) { for (let i = 0; i < b.length; i += n) yield b.subarray(i, i + n); }

/** A temp dir holding `layer/` (the target) and `outside/` (with a canary file) side by side. */
function sandbox(t: { after: (fn: () => void) => void }) {
  const dir = makeTemp('berth-test-unpack-');
  // Layers may hold read-only directories: make them writable so that a non-root run can clean up.
  t.after(() => { execFileSync('chmod', ['-R', 'u+rwX', dir]); removeTemp(dir); });
  const layer = join(dir, 'layer');
  const outside = join(dir, 'outside');
  mkdirSync(layer);
  mkdirSync(outside);
  writeFileSync(join(outside, 'secret'), 'canary');
  const snapshot = () => JSON.stringify({ top: readdirSync(dir).sort(), out: readdirSync(outside).sort(), secret: readFileSync(join(outside, 'secret'), 'utf8'), mtime: statSync(outside).mtimeMs });
  return { dir, layer, outside, before: snapshot(), snapshot };
}

test('cleanName strips leading slashes and refuses to climb out', () => {
  assert.equal(cleanName('/etc/passwd'), 'etc/passwd');
  assert.equal(cleanName('./a//b/./c/'), 'a/b/c');
  assert.equal(cleanName('a/../b'), 'b');
  assert.equal(cleanName('./'), '');
  assert.throws(() => cleanName('../x'), HostileLayerError);
  assert.throws(() => cleanName('a/../../x'), HostileLayerError);
});

test('files, dirs, symlinks, hard links, modes and mtimes; plain, gzip and zstd give one diffID', async (t) => {
  const items: PackItem[] = [
    { entry: { name: './', type: 'dir', mode: 0o755, mtime: 1500000000 } },
    { entry: { name: 'bin/', type: 'dir', mode: 0o750, mtime: 1600000000 } },
    { entry: { name: 'bin/tool', type: 'file', mode: 0o751, mtime: 1600000001 }, body: Buffer.from('#!/bin/sh\necho hi\n') },
    { entry: { name: 'bin/big', type: 'file', mode: 0o600, mtime: 1600000002 }, body: Buffer.alloc(300000, 0x5a) },
    { entry: { name: 'bin/empty', type: 'file', mode: 0o400, mtime: 1600000003 }, body: Buffer.alloc(0) },
    { entry: { name: 'bin/alias', type: 'symlink', linkname: 'tool', mtime: 1600000004 } },
    { entry: { name: 'bin/hard', type: 'link', linkname: 'bin/tool' } },
    { entry: { name: '/abs/file', type: 'file', mode: 0o644 }, body: Buffer.from('abs') },
    { entry: { name: 'implicit/parents/f', type: 'file', mode: 0o644 }, body: Buffer.from('x') },
    { entry: { name: 'ro/', type: 'dir', mode: 0o555, mtime: 1000 } },
    { entry: { name: 'ro/inside', type: 'file', mode: 0o644 }, body: Buffer.from('in ro') },
    { entry: { name: 'bin/tool2', type: 'file', mode: 0o644 }, body: Buffer.from('first') },
    { entry: { name: 'bin/tool2', type: 'file', mode: 0o644 }, body: Buffer.from('second wins') },
  ];
  const tar = await tarOf(items);
  const diffID = 'sha256:' + createHash('sha256').update(tar).digest('hex');
  for (const [label, blob] of [['plain', tar], ['gzip', gzipSync(tar)], ['zstd', zstdCompressSync(tar)]] as const) {
    const { layer } = sandbox(t);
    const r = await unpackLayer(chunked(blob, 1000), layer, { expectedDiffID: diffID });
    assert.equal(r.diffID, diffID, label);
    assert.equal(r.compression, label === 'plain' ? 'none' : label);
    assert.equal(r.size, tar.length);
    assert.equal(readFileSync(join(layer, 'bin/tool'), 'utf8'), '#!/bin/sh\necho hi\n');
    assert.equal(statSync(join(layer, 'bin/tool')).mode & 0o7777, 0o751);
    assert.equal(statSync(join(layer, 'bin/tool')).mtimeMs, 1600000001000);
    assert.equal(statSync(join(layer, 'bin/empty')).mode & 0o7777, 0o400);
    assert.deepEqual(readFileSync(join(layer, 'bin/big')), Buffer.alloc(300000, 0x5a));
    assert.equal(readlinkSync(join(layer, 'bin/alias')), 'tool');
    assert.equal(lstatSync(join(layer, 'bin/alias')).mtimeMs, 1600000004000);
    assert.equal(statSync(join(layer, 'bin/hard')).ino, statSync(join(layer, 'bin/tool')).ino);
    assert.equal(readFileSync(join(layer, 'abs/file'), 'utf8'), 'abs');
    assert.equal(readFileSync(join(layer, 'implicit/parents/f'), 'utf8'), 'x');
    assert.equal(statSync(join(layer, 'implicit')).mode & 0o777, 0o755);
    assert.equal(statSync(join(layer, 'bin')).mode & 0o7777, 0o750);
    assert.equal(statSync(join(layer, 'bin')).mtimeMs, 1600000000000, 'directory mtime set after its children');
    assert.equal(statSync(join(layer, 'ro')).mode & 0o7777, 0o555);
    assert.equal(readFileSync(join(layer, 'ro/inside'), 'utf8'), 'in ro');
    assert.equal(statSync(layer).mtimeMs, 1500000000000);
    assert.equal(readFileSync(join(layer, 'bin/tool2'), 'utf8'), 'second wins');
  }
});

test('a diffID mismatch is reported', async (t) => {
  const { layer } = sandbox(t);
  const tar = await tarOf([{ entry: { name: 'f', type: 'file' }, body: Buffer.from('x') }]);
  await assert.rejects(unpackLayer(chunked(tar), layer, { expectedDiffID: 'sha256:' + '0'.repeat(64) }), DiffIdMismatchError);
});

test('layers made by GNU tar unpack identically to the source tree', async (t) => {
  const { dir, layer } = sandbox(t);
  const src = join(dir, 'src');
  mkdirSync(join(src, 'a/b'), { recursive: true });
  writeFileSync(join(src, 'a/b/file'), 'content');
  execFileSync('ln', ['-s', '../b/file', join(src, 'a/link')]);
  execFileSync('ln', [join(src, 'a/b/file'), join(src, 'a/hard')]);
  execFileSync('mkfifo', [join(src, 'a/fifo')]);
  execFileSync('touch', ['-d', '@1234567890', join(src, 'a/b/file'), join(src, 'a/b')]);
  const tgz = join(dir, 'l.tgz');
  execFileSync('tar', ['--format=posix', '-czf', tgz, '-C', src, '.']);
  await unpackLayer(chunked(readFileSync(tgz), 65536), layer, { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' });
  assert.equal(readFileSync(join(layer, 'a/b/file'), 'utf8'), 'content');
  assert.equal(readlinkSync(join(layer, 'a/link')), '../b/file');
  assert.equal(statSync(join(layer, 'a/hard')).ino, statSync(join(layer, 'a/b/file')).ino);
  assert.ok(lstatSync(join(layer, 'a/fifo')).isFIFO());
  assert.equal(statSync(join(layer, 'a/b')).mtimeMs, 1234567890000);
  const diff = execFileSync('bash', ['-c', `diff <(cd ${src} && find . -printf '%p %y %m %T@ %l\\n' | sed -E 's/([.][0-9]{3})[0-9]* / \\1 /' | sort) <(cd ${layer} && find . -printf '%p %y %m %T@ %l\\n' | sed -E 's/([.][0-9]{3})[0-9]* / \\1 /' | sort) | grep -v '^[<>] \\. ' | grep '^[<>]' || true`], { encoding: 'utf8' });
  assert.equal(diff, '');
});

test('whiteouts in apply mode delete from the lower layers, opaque keeps this layer\'s entries', async (t) => {
  const { layer } = sandbox(t);
  await unpackLayer(chunked(await tarOf([
    { entry: { name: 'etc/keep', type: 'file' }, body: Buffer.from('1') },
    { entry: { name: 'etc/gone', type: 'file' }, body: Buffer.from('1') },
    { entry: { name: 'opq/lower', type: 'file' }, body: Buffer.from('1') },
    { entry: { name: 'opq/sub/lower2', type: 'file' }, body: Buffer.from('1') },
  ])), layer, { whiteouts: 'apply' });
  await unpackLayer(chunked(await tarOf([
    { entry: { name: 'etc/.wh.gone', type: 'file' }, body: Buffer.alloc(0) },
    { entry: { name: 'opq/new', type: 'file' }, body: Buffer.from('2') },
    { entry: { name: 'opq/.wh..wh..opq', type: 'file' }, body: Buffer.alloc(0) },
    { entry: { name: 'nothere/.wh.x', type: 'file' }, body: Buffer.alloc(0) },
  ])), layer, { whiteouts: 'apply' });
  assert.deepEqual(readdirSync(join(layer, 'etc')), ['keep']);
  assert.deepEqual(readdirSync(join(layer, 'opq')), ['new']);
  assert.equal(existsSync(join(layer, 'nothere')), false);
});

test('a whiteout hides lower layers only, never an entry of its own layer (either order)', async (t) => {
  const { layer } = sandbox(t);
  await unpackLayer(chunked(await tarOf([
    { entry: { name: 'a', type: 'file' }, body: Buffer.from('lower a') },
    { entry: { name: 'b', type: 'file' }, body: Buffer.from('lower b') },
  ])), layer, { whiteouts: 'apply' });
  await unpackLayer(chunked(await tarOf([
    { entry: { name: '.wh.a', type: 'file' }, body: Buffer.alloc(0) },
    { entry: { name: 'a', type: 'file' }, body: Buffer.from('new a') },
    { entry: { name: 'b', type: 'file' }, body: Buffer.from('new b') },
    { entry: { name: '.wh.b', type: 'file' }, body: Buffer.alloc(0) },
  ])), layer, { whiteouts: 'apply' });
  assert.equal(readFileSync(join(layer, 'a'), 'utf8'), 'new a');
  assert.equal(readFileSync(join(layer, 'b'), 'utf8'), 'new b');
});

// ── hostile layers: each must fail clearly and leave everything outside the layer as it was ──

const hostile: [string, (outside: string) => PackItem[], RegExp | typeof TruncatedTarError][] = [
  ['dot-dot path', () => [{ entry: { name: '../escaped', type: 'file' }, body: Buffer.from('x') }], /climbs out/],
  ['dot-dot in the middle', () => [{ entry: { name: 'a/../../escaped', type: 'file' }, body: Buffer.from('x') }], /climbs out/],
  ['write through an absolute symlink', (out) => [
    { entry: { name: 'link', type: 'symlink', linkname: out } },
    { entry: { name: 'link/pwned', type: 'file' }, body: Buffer.from('x') },
  ], /symlink; refusing to write through it/],
  ['write through a relative symlink', () => [
    { entry: { name: 'link', type: 'symlink', linkname: '../outside' } },
    { entry: { name: 'link/secret', type: 'file' }, body: Buffer.from('overwritten') },
  ], /refusing to write through it/],
  ['dir entry through a symlink', () => [
    { entry: { name: 'link', type: 'symlink', linkname: '../outside' } },
    { entry: { name: 'link/newdir/', type: 'dir' } },
  ], /refusing to write through it/],
  ['symlink created inside a symlinked dir', () => [
    { entry: { name: 'link', type: 'symlink', linkname: '../outside' } },
    { entry: { name: 'link/evil', type: 'symlink', linkname: '/etc/passwd' } },
  ], /refusing to write through it/],
  ['hard link to a file outside', () => [{ entry: { name: 'h', type: 'link', linkname: '../outside/secret' } }], /climbs out/],
  ['hard link through a symlink', () => [
    { entry: { name: 'link', type: 'symlink', linkname: '../outside' } },
    { entry: { name: 'h', type: 'link', linkname: 'link/secret' } },
  ], /non-directory/],
  ['hard link to an absolute path outside', (out) => [{ entry: { name: 'h', type: 'link', linkname: join(out, 'secret') } }], /does not exist in this layer/],
  ['whiteout through a symlink', () => [
    { entry: { name: 'link', type: 'symlink', linkname: '../outside' } },
    { entry: { name: 'link/.wh.secret', type: 'file' }, body: Buffer.alloc(0) },
  ], /refusing to write through it/],
  ['opaque dir through a symlink', () => [
    { entry: { name: 'link', type: 'symlink', linkname: '../outside' } },
    { entry: { name: 'link/.wh..wh..opq', type: 'file' }, body: Buffer.alloc(0) },
  ], /refusing to write through it/],
  ['device node when not allowed', () => [{ entry: { name: 'dev/sda', type: 'block', devmajor: 8, devminor: 0 } }], /device nodes are not allowed/],
  ['huge declared size', () => [{ entry: { name: 'huge', type: 'file', size: 2 ** 40 }, body: Buffer.alloc(0) }], TruncatedTarError],
];

for (const whiteouts of ['overlay', 'apply'] as const) {
  for (const [label, make, expected] of hostile) {
    test(`hostile layer (${whiteouts}): ${label}`, async (t) => {
      const { layer, outside, before, snapshot } = sandbox(t);
      const items = make(outside);
      let tar: Buffer;
      if (label === 'huge declared size') {
        const { encodeHeader } = await import('../../../src/image/tar/index.ts');
        tar = Buffer.concat([encodeHeader({ name: 'huge', type: 'file', size: 2 ** 40 }), Buffer.alloc(4096, 1)]);
      } else tar = await tarOf(items);
      await assert.rejects(unpackLayer(chunked(tar), layer, { whiteouts, allowDevices: false }), (e: Error) => {
        if (expected instanceof RegExp) { assert.ok(e instanceof HostileLayerError, `${e.name}: ${e.message}`); assert.match(e.message, expected); }
        else assert.ok(e instanceof expected, `${e.name}: ${e.message}`);
        return true;
      });
      assert.equal(snapshot(), before, 'nothing outside the layer changed');
    });
  }
}

test('a symlink pointing out is harmless: replacing it by a file does not follow it', async (t) => {
  const { layer, outside, before, snapshot } = sandbox(t);
  await unpackLayer(chunked(await tarOf([
    { entry: { name: 'link', type: 'symlink', linkname: join(outside, 'secret') } },
    { entry: { name: 'link', type: 'file' }, body: Buffer.from('replaced') },
    { entry: { name: 'l2', type: 'symlink', linkname: '../outside/secret' } },
    { entry: { name: 'h', type: 'link', linkname: 'l2' } },
  ])), layer);
  assert.equal(readFileSync(join(layer, 'link'), 'utf8'), 'replaced');
  assert.ok(lstatSync(join(layer, 'h')).isSymbolicLink(), 'a hard link to a symlink is a symlink, never its target');
  assert.equal(snapshot(), before);
});

test('a tar that ends early is an error', async (t) => {
  const { layer } = sandbox(t);
  const tar = await tarOf([{ entry: { name: 'f', type: 'file' }, body: Buffer.alloc(10000, 1) }]);
  await assert.rejects(unpackLayer(chunked(tar.subarray(0, 5000)), layer), TruncatedTarError);
  await assert.rejects(unpackLayer(chunked(gzipSync(tar).subarray(0, 40)), layer), /unexpected end|ends early|Unexpected end/i);
});
