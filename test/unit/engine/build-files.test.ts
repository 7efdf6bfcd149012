// The engine's COPY/ADD helpers: --chmod (octal and symbolic), --chown against a root's
// passwd/group, docker's destination rules, archives unpacked by ADD, files of an earlier run linked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, linkSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyChmod, copyInto, isArchive, resolveChown } from '../../../src/engine/build/files.ts';

const isRoot = process.getuid?.() === 0;

test('--chmod octal and symbolic', () => {
  assert.equal(applyChmod('755', 0o644, false), 0o755);
  assert.equal(applyChmod('0640', 0o777, false), 0o640);
  assert.equal(applyChmod('u+x', 0o644, false), 0o744);
  assert.equal(applyChmod('go-r', 0o644, false), 0o600);
  assert.equal(applyChmod('a=r', 0o755, false), 0o444);
  assert.equal(applyChmod('a+X', 0o644, true), 0o755);
  assert.equal(applyChmod('a+X', 0o644, false), 0o644);
  assert.throws(() => applyChmod('z+q', 0o644, false), /invalid chmod/);
});

test('--chown names from the root\'s passwd and group', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'berth-chown-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, 'etc'));
  writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0::/root:/bin/sh\napp:x:1000:1001::/home/app:/bin/sh\n');
  writeFileSync(join(root, 'etc/group'), 'root:x:0:\nstaff:x:50:\n');
  assert.deepEqual(resolveChown(root, undefined), { uid: 0, gid: 0 });
  assert.deepEqual(resolveChown(root, 'app'), { uid: 1000, gid: 1001 });
  assert.deepEqual(resolveChown(root, 'app:staff'), { uid: 1000, gid: 50 });
  assert.deepEqual(resolveChown(root, '7:8'), { uid: 7, gid: 8 });
  assert.deepEqual(resolveChown(root, '7'), { uid: 7, gid: 7 });
  assert.throws(() => resolveChown(root, 'ghost'), /no such user: ghost/);
  assert.throws(() => resolveChown(root, 'app:ghosts'), /no such group: ghosts/);
});

test('destination rules, symlinks kept, archives unpacked by ADD', { skip: !isRoot && 'chown needs root' }, async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'berth-copy-root-'));
  const src = mkdtempSync(join(tmpdir(), 'berth-copy-src-'));
  t.after(() => { rmSync(root, { recursive: true, force: true }); rmSync(src, { recursive: true, force: true }); });
  writeFileSync(join(src, 'f'), 'data');
  symlinkSync('/etc/passwd', join(src, 'l'));
  mkdirSync(join(root, 'existing'));
  // A lone file onto a new path becomes that file; onto a directory (or a path ending in /) goes inside.
  await copyInto(root, { entries: [{ src: join(src, 'f'), rel: 'f', type: 'file', single: true }], dest: '/new/name', destIsDir: false });
  assert.equal(readFileSync(join(root, 'new/name'), 'utf8'), 'data');
  await copyInto(root, { entries: [{ src: join(src, 'f'), rel: 'f', type: 'file', single: true }], dest: '/existing', destIsDir: false });
  assert.equal(readFileSync(join(root, 'existing/f'), 'utf8'), 'data');
  await copyInto(root, { entries: [{ src: join(src, 'l'), rel: 'l', type: 'symlink' }, { content: 'inline', rel: 'h', type: 'file' }], dest: '/d', destIsDir: true, chmod: '600' });
  assert.equal(readlinkSync(join(root, 'd/l')), '/etc/passwd');
  assert.equal(lstatSync(join(root, 'd/h')).mode & 0o777, 0o600);
  // A symlink in the root pointing outside it is resolved inside the root.
  symlinkSync('/tmp-outside-' + process.pid, join(root, 'escape'));
  await copyInto(root, { entries: [{ src: join(src, 'f'), rel: 'f', type: 'file', single: true }], dest: '/escape/f', destIsDir: false });
  assert.equal(readFileSync(join(root, `tmp-outside-${process.pid}/f`), 'utf8'), 'data');
  // A directory copied as a whole: modes (setuid kept through the chown), owners, nested files.
  mkdirSync(join(src, 'tree/sub'), { recursive: true });
  writeFileSync(join(src, 'tree/sub/suid'), '#!/bin/sh\n');
  chmodSync(join(src, 'tree/sub/suid'), 0o4755);
  const treeEntries = [{ src: join(src, 'tree/sub'), rel: 'sub', type: 'dir' as const }, { src: join(src, 'tree/sub/suid'), rel: 'sub/suid', type: 'file' as const }];
  await copyInto(root, { entries: treeEntries, dest: '/t1', destIsDir: true });
  await copyInto(root, { entries: treeEntries, dest: '/t2', destIsDir: true, chown: '7:8' });
  for (const [dir, uid] of [['t1', 0], ['t2', 7]] as const) {
    const st = lstatSync(join(root, dir, 'sub/suid'));
    assert.equal(st.mode & 0o7777, 0o4755, `${dir}: mode kept`);
    assert.equal(st.uid, uid);
    assert.equal(lstatSync(join(root, dir, 'sub')).uid, uid);
  }
  // Hard links within one copy stay hard links.
  mkdirSync(join(src, 'hl'));
  writeFileSync(join(src, 'hl/one'), 'same');
  linkSync(join(src, 'hl/one'), join(src, 'hl/two'));
  await copyInto(root, { entries: ['one', 'two'].map((n) => ({ src: join(src, 'hl', n), rel: n, type: 'file' as const })), dest: '/hl', destIsDir: true });
  assert.equal(lstatSync(join(root, 'hl/one')).ino, lstatSync(join(root, 'hl/two')).ino);
  assert.equal(lstatSync(join(root, 'hl/two')).nlink, 2);
  execFileSync('tar', ['-czf', join(src, 'a.tgz'), '-C', src, 'f']);
  assert.ok(isArchive(join(src, 'a.tgz')));
  assert.ok(!isArchive(join(src, 'f')));
  await copyInto(root, { entries: [{ src: join(src, 'a.tgz'), rel: 'a.tgz', type: 'file', single: true, extract: true }], dest: '/unpacked', destIsDir: false });
  assert.equal(readFileSync(join(root, 'unpacked/f'), 'utf8'), 'data');
});

test('a COPY run again links the files an earlier run of it wrote that are unchanged, and only those', { skip: !isRoot && 'chown needs root' }, async (t) => {
  const src = mkdtempSync(join(tmpdir(), 'berth-reuse-src-'));
  const first = mkdtempSync(join(tmpdir(), 'berth-reuse-1-'));
  const second = mkdtempSync(join(tmpdir(), 'berth-reuse-2-'));
  t.after(() => { for (const d of [src, first, second]) rmSync(d, { recursive: true, force: true }); });
  for (const n of ['same', 'edited', 'touched', 'sametime']) writeFileSync(join(src, n), `${n} v1\n`);
  const entries = ['same', 'edited', 'touched', 'sametime'].map((n) => ({ src: join(src, n), rel: n, type: 'file' as const }));
  await copyInto(first, { entries, dest: '/d', destIsDir: true });
  // edited: other bytes; touched: same bytes, another mtime; sametime: other bytes of the same
  // size with the old mtime put back (only a content comparison tells).
  writeFileSync(join(src, 'edited'), 'edited v2, longer\n');
  utimesSync(join(src, 'touched'), 1000, 1000);
  const old = lstatSync(join(src, 'sametime'));
  writeFileSync(join(src, 'sametime'), 'sametime v2\n');
  utimesSync(join(src, 'sametime'), old.atime, old.mtime);
  await copyInto(second, { entries, dest: '/d', destIsDir: true, reuse: { from: first, upper: second } });
  const ino = (root: string, n: string) => lstatSync(join(root, 'd', n)).ino;
  assert.equal(ino(second, 'same'), ino(first, 'same'), 'unchanged: linked');
  for (const n of ['edited', 'touched', 'sametime']) assert.notEqual(ino(second, n), ino(first, n), `${n}: copied`);
  for (const n of ['same', 'edited', 'touched', 'sametime']) {
    const a = lstatSync(join(second, 'd', n)), s = lstatSync(join(src, n));
    assert.equal(readFileSync(join(second, 'd', n), 'utf8'), readFileSync(join(src, n), 'utf8'));
    assert.equal(a.mode & 0o7777, s.mode & 0o7777);
    assert.equal(Math.round(a.mtimeMs), Math.round(s.mtimeMs));
  }
  // A --chmod or --chown the earlier run did not have: nothing linked.
  const third = mkdtempSync(join(tmpdir(), 'berth-reuse-3-'));
  t.after(() => rmSync(third, { recursive: true, force: true }));
  await copyInto(third, { entries, dest: '/d', destIsDir: true, chmod: '600', reuse: { from: second, upper: third } });
  assert.notEqual(ino(third, 'same'), ino(second, 'same'));
  assert.equal(lstatSync(join(second, 'd/same')).mode & 0o777, 0o644, 'the earlier run\'s file is untouched');
});
