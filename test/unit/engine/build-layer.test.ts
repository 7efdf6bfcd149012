// Build layers: gzip in fixed-size members (incompressible ones stored) (read back whole by Node and GNU gzip, the same bytes
// for the same input), and an overlay upper directory with a whiteout turned into an OCI layer
// with SOURCE_DATE_EPOCH clamping.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { gzipParallel, incompressible, layerFromUpper } from '../../../src/engine/build/layer.ts';

test('multi-member gzip reads back whole and is deterministic', async () => {
  const raw = Buffer.concat([randomBytes(5 << 20), Buffer.alloc(6 << 20, 'a')]);
  const a = await gzipParallel(raw);
  const b = await gzipParallel(raw);
  assert.ok(a.equals(b));
  assert.ok(gunzipSync(a).equals(raw));
  assert.ok(execFileSync('gzip', ['-dc'], { input: a, maxBuffer: 64 << 20 }).equals(raw));
});

test('incompressible chunks are stored (level 0), compressible ones deflated; both read back', async () => {
  const random = randomBytes(4 << 20);
  const text = Buffer.alloc(4 << 20, 'berth build ');
  assert.equal(incompressible(random), true);
  assert.equal(incompressible(text), false);
  const raw = Buffer.concat([random, text]);
  const gz = await gzipParallel(raw);
  // Stored: the random half costs its size plus block headers; the text half almost nothing.
  assert.ok(gz.length > random.length && gz.length < random.length + (64 << 10), `${gz.length}`);
  assert.ok(gunzipSync(gz).equals(raw));
  assert.ok(execFileSync('gzip', ['-dc'], { input: gz, maxBuffer: 64 << 20 }).equals(raw));
  assert.ok((await gzipParallel(raw)).equals(gz));
});

test('upper directory → layer: whiteouts, clamped times', { skip: process.getuid?.() !== 0 && 'mknod needs root' }, async (t) => {
  const upper = mkdtempSync(join(tmpdir(), 'berth-upper-'));
  t.after(() => rmSync(upper, { recursive: true, force: true }));
  mkdirSync(join(upper, 'etc'));
  writeFileSync(join(upper, 'etc/new'), 'n');
  execFileSync('mknod', [join(upper, 'etc/gone'), 'c', '0', '0']);
  const l = await layerFromUpper(upper, 1000);
  const list = execFileSync('tar', ['-tvz', '--full-time'], { input: l.blob, encoding: 'utf8' });
  assert.match(list, /etc\/\.wh\.gone/);
  assert.match(list, /1970-01-01 00:16:40 etc\/new/);
  assert.ok(!/ c[rwx-]{9} /.test(list), 'no device entry for the whiteout');
  assert.equal((await layerFromUpper(upper, 1000)).diffId, l.diffId);
});
