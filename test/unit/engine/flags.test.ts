import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlagError, parseBytes, parseFlags, type FlagDef } from '../../../src/cli/berth/flags.ts';

const DEFS: FlagDef[] = [
  { name: 'interactive', short: 'i', kind: 'bool' },
  { name: 'tty', short: 't', kind: 'bool' },
  { name: 'detach', short: 'd', kind: 'bool' },
  { name: 'publish', short: 'p', kind: 'list' },
  { name: 'env', short: 'e', kind: 'list' },
  { name: 'name', kind: 'string' },
  { name: 'rm', kind: 'bool' },
];

test('combined short booleans, a short value flag ending the group, attached values', () => {
  const p = parseFlags(['-dit', '-p8080:80', '-itp', '9090:90', '-e=A=1', 'img'], DEFS);
  assert.equal(p.bools.get('detach'), true);
  assert.equal(p.bools.get('interactive'), true);
  assert.equal(p.bools.get('tty'), true);
  assert.deepEqual(p.lists.get('publish'), ['8080:80', '9090:90']);
  assert.deepEqual(p.lists.get('env'), ['A=1']);
  assert.deepEqual(p.args, ['img']);
});

test('--flag=value, --flag value, repeated lists, --bool=false', () => {
  const p = parseFlags(['--name=web', '--env', 'A=1', '--env=B=2', '--rm=false', 'x'], DEFS);
  assert.equal(p.strings.get('name'), 'web');
  assert.deepEqual(p.lists.get('env'), ['A=1', 'B=2']);
  assert.equal(p.bools.get('rm'), false);
});

test('stopAtPositional keeps the command line of the container intact', () => {
  const p = parseFlags(['--rm', 'busybox', 'sh', '-c', 'echo --name -it'], DEFS, { stopAtPositional: true });
  assert.deepEqual(p.args, ['busybox', 'sh', '-c', 'echo --name -it']);
  const q = parseFlags(['-d', '--', '-weird-image'], DEFS, { stopAtPositional: true });
  assert.deepEqual(q.args, ['-weird-image']);
});

test('interspersed flags for other commands', () => {
  const p = parseFlags(['a', '--rm', 'b'], DEFS);
  assert.deepEqual(p.args, ['a', 'b']);
  assert.equal(p.bools.get('rm'), true);
});

test('errors name the flag', () => {
  assert.throws(() => parseFlags(['--nope'], DEFS), (e: Error) => e instanceof FlagError && /unknown flag: --nope/.test(e.message));
  assert.throws(() => parseFlags(['-x'], DEFS), /unknown shorthand flag: 'x' in -x/);
  assert.throws(() => parseFlags(['--name'], DEFS), /flag needs an argument: --name/);
  assert.throws(() => parseFlags(['-p'], DEFS), /flag needs an argument/);
  assert.throws(() => parseFlags(['--rm=maybe'], DEFS), /invalid argument "maybe"/);
});

test('docker byte sizes', () => {
  assert.equal(parseBytes('64m', '-m'), 64 * 1024 * 1024);
  assert.equal(parseBytes('1g', '-m'), 1024 ** 3);
  assert.equal(parseBytes('512', '-m'), 512);
  assert.equal(parseBytes('1.5k', '-m'), 1536);
  assert.equal(parseBytes('2GB', '-m'), 2 * 1024 ** 3);
  assert.throws(() => parseBytes('lots', '--memory'), /invalid size: 'lots' for --memory/);
});
