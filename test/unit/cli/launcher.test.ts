// scripts/launcher.mjs, the dist/NAME.mjs front of a CommonJS bundle: runs the bundle with a V8
// code cache per command, written after a successful run, rejected and rewritten when it does
// not fit. Real node processes on a throwaway dist/ tree; nothing outside a temp dir.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { makeTemp, removeTemp } from '../../helpers/rootfs.ts';

const LAUNCHER = resolve(import.meta.dirname, '../../../scripts/launcher.mjs');

// A stand-in bundle: prints what require, __filename and the arguments look like, exits with
// the status given as the last argument.
const BUNDLE = `
const { writeSync } = require('node:fs');
writeSync(1, JSON.stringify({ file: __filename, fsType: typeof require('node:fs').readFileSync, args: process.argv.slice(2) }));
process.exitCode = Number(process.argv.at(-1)) || 0;
`;

function tree(t: { after(fn: () => void): void }) {
  const top = makeTemp('berth-launcher-');
  t.after(() => removeTemp(top));
  mkdirSync(join(top, 'dist/lib'), { recursive: true });
  copyFileSync(LAUNCHER, join(top, 'dist/tool.mjs'));
  writeFileSync(join(top, 'dist/lib/tool.cjs'), BUNDLE);
  const cacheDir = join(top, 'build/v8-cache/tool');
  const run = (...args: string[]) => {
    const r = spawnSync(process.execPath, [join(top, 'dist/tool.mjs'), ...args], { encoding: 'utf8' });
    return { status: r.status, out: r.stdout ? JSON.parse(r.stdout) as { file: string; fsType: string; args: string[] } : null, stderr: r.stderr };
  };
  const caches = () => (existsSync(cacheDir) ? readdirSync(cacheDir).sort() : []);
  return { top, run, caches, cacheDir };
}

test('the bundle runs as CommonJS beside the launcher, with argv untouched', (t) => {
  const { top, run } = tree(t);
  const r = run('--root', '/x', 'state', 'id1', '0');
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.out, { file: join(top, 'dist/lib/tool.cjs'), fsType: 'function', args: ['--root', '/x', 'state', 'id1', '0'] });
});

test('a cache is written per command after a run that exits 0, and only then', (t) => {
  const { run, caches } = tree(t);
  assert.equal(run('state', 'id1', '3').status, 3);
  assert.deepEqual(caches(), []);
  assert.equal(run('state', 'id1', '0').status, 0);
  assert.equal(run('--version', '0').status, 0);
  const names = caches();
  assert.equal(names.length, 2);
  assert.match(names[0], /^other-\d+-\d+-\d+-v\d+/);
  assert.match(names[1], new RegExp(`^state-\\d+-\\d+-\\d+-${process.version.replace(/\./g, '\\.')}-${process.arch}$`));
});

test('a cache that does not fit is rejected and rewritten; a changed bundle gets a new key', (t) => {
  const { top, run, caches, cacheDir } = tree(t);
  assert.equal(run('kill', '0').status, 0);
  const [name] = caches();
  const good = readFileSync(join(cacheDir, name));
  writeFileSync(join(cacheDir, name), Buffer.alloc(good.length, 0x5a));
  const r = run('kill', '0');
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.out?.args, ['kill', '0']);
  assert.notDeepEqual(readFileSync(join(cacheDir, name)), Buffer.alloc(good.length, 0x5a));
  // Same length, new content and mtime: the old cache must not be used for it.
  writeFileSync(join(top, 'dist/lib/tool.cjs'), BUNDLE.replace('fsType', 'fsKind'));
  utimesSync(join(top, 'dist/lib/tool.cjs'), new Date(), new Date(Date.now() + 5000));
  const r2 = run('kill', '0');
  assert.equal(r2.status, 0, r2.stderr);
  assert.equal((r2.out as unknown as { fsKind: string }).fsKind, 'function');
  assert.equal(caches().length, 2);
});

test('builtins a command may not use load at their first use: child_process, net, stream, os', (t) => {
  const top = makeTemp('berth-launcher-');
  t.after(() => removeTemp(top));
  mkdirSync(join(top, 'dist/lib'), { recursive: true });
  copyFileSync(LAUNCHER, join(top, 'dist/tool.mjs'));
  // As esbuild's CommonJS output does: require at the module's top, read a property when used.
  writeFileSync(join(top, 'dist/lib/tool.cjs'), `
const cp = require('node:child_process'), net = require('node:net'), stream = require('node:stream'), os = require('node:os');
const has = (m) => process.moduleLoadList.includes('NativeModule ' + m);
const before = ['child_process', 'net', 'stream', 'os'].map(has);
const used = [typeof cp.spawnSync, typeof os.constants.signals.SIGTERM, typeof new stream.PassThrough().write];
require('node:fs').writeSync(1, JSON.stringify({ before, used, after: ['child_process', 'os', 'stream'].map(has) }));
`);
  const r = spawnSync(process.execPath, [join(top, 'dist/tool.mjs')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { before: [false, false, false, false], used: ['function', 'number', 'function'], after: [true, true, true] });
});
