// COPY sources: wildcards, directories copied by content, .dockerignore applied, and the content
// hash that keys the cache (bytes, mode and type count; modification times do not).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashEntries, readIgnore, resolveSources } from '../../../src/build/context/sources.ts';
import { stepKey } from '../../../src/build/exec/cache-key.ts';

function tree(): string {
  const d = mkdtempSync(join(tmpdir(), 'berth-src-test-'));
  for (const [p, body] of Object.entries({ 'a.txt': 'a', 'b.txt': 'b', 'c.md': 'c', 'dir/x': 'x', 'dir/sub/y': 'y', 'dir/z.log': 'z' })) {
    mkdirSync(join(d, p, '..'), { recursive: true });
    writeFileSync(join(d, p), body);
  }
  symlinkSync('a.txt', join(d, 'link'));
  return d;
}

test('files, directories, wildcards and ignore patterns', (t) => {
  const d = tree();
  t.after(() => rmSync(d, { recursive: true, force: true }));
  assert.deepEqual(resolveSources(d, ['a.txt']).map((e) => [e.rel, e.type, e.single]), [['a.txt', 'file', true]]);
  assert.deepEqual(resolveSources(d, ['*.txt']).map((e) => e.rel), ['a.txt', 'b.txt']);
  assert.deepEqual(resolveSources(d, ['dir']).map((e) => e.rel), ['sub', 'sub/y', 'x', 'z.log']);
  assert.deepEqual(resolveSources(d, ['link']).map((e) => [e.rel, e.type, e.src]), [['link', 'file', join(d, 'a.txt')]], 'a named symlink is followed');
  writeFileSync(join(d, '.dockerignore'), '**/*.log\n*.md\n');
  const ign = readIgnore(d);
  assert.deepEqual(resolveSources(d, ['dir'], { ignore: ign }).map((e) => e.rel), ['sub', 'sub/y', 'x']);
  assert.ok(!resolveSources(d, ['.'], { ignore: ign }).some((e) => e.rel.endsWith('.md')));
  assert.throws(() => resolveSources(d, ['c.md'], { ignore: ign }), /not found \(excluded/);
  assert.throws(() => resolveSources(d, ['nope']), /"nope": not found/);
  assert.throws(() => resolveSources(d, ['*.none']), /matched nothing/);
  assert.deepEqual(resolveSources(d, ['dir'], { excludes: ['sub'] }).map((e) => e.rel), ['x', 'z.log']);
  assert.deepEqual(resolveSources(d, ['../../a.txt']).map((e) => e.rel), ['a.txt'], '.. stops at the root');
  symlinkSync('.', join(d, 'dir/self'));
  assert.ok(resolveSources(d, ['dir']).some((e) => e.rel === 'self' && e.type === 'symlink'), 'links inside a directory are kept');
});

test('the content hash follows bytes, mode and type, not mtime; step keys chain', (t) => {
  const d = tree();
  t.after(() => rmSync(d, { recursive: true, force: true }));
  const h = () => hashEntries(resolveSources(d, ['dir', 'a.txt']));
  const h0 = h();
  utimesSync(join(d, 'a.txt'), 1000, 1000);
  assert.equal(h(), h0);
  chmodSync(join(d, 'a.txt'), 0o755);
  const h1 = h();
  assert.notEqual(h1, h0);
  writeFileSync(join(d, 'dir/x'), 'X');
  assert.notEqual(h(), h1);
  const op = { op: 'mkdir' as const, path: '/a', user: '' };
  assert.equal(stepKey('p', op), stepKey('p', op));
  assert.notEqual(stepKey('p', op), stepKey('q', op));
  assert.notEqual(stepKey('p', op, 'h1'), stepKey('p', op, 'h2'));
});
