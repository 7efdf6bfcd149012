import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { copyTree, resolveIn } from '../../../src/engine/copy.ts';

function tree(t: { after: (fn: () => void) => void }): string {
  const d = mkdtempSync(join(tmpdir(), 'berth-test-copy-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

test('paths resolve inside the root: absolute and relative symlinks, .., loops', (t) => {
  const d = tree(t);
  const root = join(d, 'root');
  mkdirSync(join(root, 'etc'), { recursive: true });
  mkdirSync(join(root, 'data'));
  symlinkSync('/', join(root, 'escape'));
  symlinkSync('/etc', join(root, 'etclink'));
  symlinkSync('../../../../..', join(root, 'data', 'up'));
  symlinkSync('loop2', join(root, 'loop1'));
  symlinkSync('loop1', join(root, 'loop2'));
  assert.equal(resolveIn(root, '/escape/etc/passwd'), join(root, 'etc/passwd'));
  assert.equal(resolveIn(root, '/etclink/x'), join(root, 'etc/x'));
  assert.equal(resolveIn(root, '/data/up/etc'), join(root, 'etc'));
  assert.equal(resolveIn(root, '/../../..'), root);
  assert.equal(resolveIn(root, 'etc/../data/new/file'), join(root, 'data/new/file'));
  assert.equal(resolveIn(root, '/etclink', false), join(root, 'etclink'));
  assert.throws(() => resolveIn(root, '/loop1'), /too many levels of symbolic links/);
});

test('copyTree keeps symlinks and replaces (never follows) what is at the destination', (t) => {
  const d = tree(t);
  const src = join(d, 'src'), dst = join(d, 'dst'), outside = join(d, 'outside');
  mkdirSync(join(src, 'sub'), { recursive: true });
  writeFileSync(join(src, 'sub', 'f'), 'new');
  symlinkSync('/etc/passwd', join(src, 'link'));
  mkdirSync(join(dst, 'sub'), { recursive: true });
  mkdirSync(outside);
  writeFileSync(join(outside, 'f'), 'precious');
  // A planted symlink at the destination must be replaced, not written through.
  rmSync(join(dst, 'sub'), { recursive: true });
  symlinkSync(outside, join(dst, 'sub'));
  copyTree(src, dst);
  assert.equal(readFileSync(join(outside, 'f'), 'utf8'), 'precious');
  assert.equal(lstatSync(join(dst, 'sub')).isDirectory(), true);
  assert.equal(readFileSync(join(dst, 'sub', 'f'), 'utf8'), 'new');
  assert.equal(readlinkSync(join(dst, 'link')), '/etc/passwd');
});
