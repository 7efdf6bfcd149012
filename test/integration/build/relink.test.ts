// A COPY that runs again because one of its sources changed links the files its earlier run wrote
// that are unchanged (the expensive part of copying many small files is creating them): the
// image is the same as a build from scratch of the new context, byte for byte (same ID with
// SOURCE_DATE_EPOCH), the changed file has its new content, and the earlier layer is untouched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstatSync, mkdirSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isRoot } from '../../helpers/rootfs.ts';
import { defer } from '../../helpers/cleanup.ts';
import { assertNoLeaks, Berth, snapshot } from '../engine/harness.ts';

const skip = !isRoot && 'needs root';

/** Host copies of `rel` in the root's layer snapshots (overlay upper directories). */
function inSnapshots(b: Berth, rel: string): string[] {
  const base = join(b.root, 'snapshots', 'overlay');
  return readdirSync(base).filter((d) => /^\d+$/.test(d)).map((d) => join(base, d, 'fs', rel)).filter((p) => { try { lstatSync(p); return true; } catch { return false; } });
}

test('a re-run COPY links its unchanged files: same image as a clean build, old layer untouched', { skip }, async (t) => {
  const a = new Berth();
  const clean = new Berth();
  defer(t, () => a.teardown());
  defer(t, () => clean.teardown());
  const before = snapshot(a);
  const ctx = join(a.tmp, 'ctx');
  for (let d = 0; d < 3; d++) {
    mkdirSync(join(ctx, 'src', `d${d}`), { recursive: true });
    for (let f = 0; f < 20; f++) writeFileSync(join(ctx, 'src', `d${d}`, `f${f}`), `file ${d}/${f}\n`);
  }
  writeFileSync(join(ctx, 'src', 'top'), 'top v1\n');
  writeFileSync(join(ctx, 'Dockerfile'), 'FROM busybox\nCOPY src /src\nRUN cat /src/top /src/d1/f3 > /seen\n');
  const epoch = ['--build-arg', 'SOURCE_DATE_EPOCH=1700000000'];
  const first = (await a.ok(['build', '-q', ...epoch, ctx])).trim();

  // Same size, same modification time, other bytes: only the content comparison can tell.
  const st = statSync(join(ctx, 'src', 'top'));
  writeFileSync(join(ctx, 'src', 'top'), 'top v2\n');
  utimesSync(join(ctx, 'src', 'top'), st.atime, st.mtime);
  const second = (await a.ok(['build', '-q', ...epoch, ctx])).trim();
  assert.notEqual(second, first);
  assert.equal(await a.ok(['run', '--rm', '--network', 'none', second, 'cat', '/seen']), 'top v2\nfile 1/3\n');
  assert.equal(await a.ok(['run', '--rm', '--network', 'none', first, 'cat', '/seen']), 'top v1\nfile 1/3\n');

  // The two runs' copies of an unchanged file are one inode; of the changed one, two.
  const f3 = inSnapshots(a, 'src/d1/f3');
  assert.equal(f3.length, 2);
  assert.equal(lstatSync(f3[0]).ino, lstatSync(f3[1]).ino, 'unchanged file linked');
  const top = inSnapshots(a, 'src/top');
  assert.deepEqual(top.map((p) => readFileSync(p, 'utf8')).sort(), ['top v1\n', 'top v2\n'], 'the earlier layer kept its content');

  // A root that never saw the first context builds the same image.
  assert.equal((await clean.ok(['build', '-q', ...epoch, ctx])).trim(), second);
  assertNoLeaks(a, before);
});
