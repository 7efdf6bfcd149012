import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs, UsageError, uint, expectArgs, type FlagSpec } from '../../../src/cli/args.ts';

const specs: FlagSpec[] = [
  { name: 'bundle', aliases: ['b'], type: 'string' },
  { name: 'detach', aliases: ['d'], type: 'bool' },
  { name: 'preserve-fds', type: 'string' },
];

test('runc spellings of flags', () => {
  for (const argv of [
    ['--bundle', '/x', 'id'], ['--bundle=/x', 'id'], ['-bundle', '/x', 'id'], ['-bundle=/x', 'id'],
    ['-b', '/x', 'id'], ['--b=/x', 'id'], ['id', '--bundle', '/x'],
  ]) {
    assert.deepEqual(parseArgs(argv, specs), { flags: { bundle: '/x' }, args: ['id'] }, argv.join(' '));
  }
});

test('booleans take no separate value but accept =false', () => {
  assert.deepEqual(parseArgs(['-d', 'id'], specs).flags, { detach: true });
  assert.deepEqual(parseArgs(['--detach=false', 'id'], specs).flags, { detach: false });
  assert.throws(() => parseArgs(['--detach=maybe'], specs), UsageError);
});

test('-- ends options; lone - is positional', () => {
  assert.deepEqual(parseArgs(['--', '-b', 'x'], specs).args, ['-b', 'x']);
  assert.deepEqual(parseArgs(['-'], specs).args, ['-']);
});

test('global parse stops at the command name', () => {
  const g = parseArgs(['--root', '/r', '--debug', 'kill', '--all', 'id'], [
    { name: 'root', type: 'string' }, { name: 'debug', type: 'bool' },
  ], { stopAtFirstArg: true });
  assert.deepEqual(g, { flags: { root: '/r', debug: true }, args: ['kill', '--all', 'id'] });
});

test('errors name the flag', () => {
  assert.throws(() => parseArgs(['--nope'], specs), /flag provided but not defined: -nope/);
  assert.throws(() => parseArgs(['--bundle'], specs), /flag needs an argument: -bundle/);
  assert.throws(() => uint(parseArgs(['--preserve-fds', 'x'], specs), 'preserve-fds', 0), /preserve-fds/);
  assert.equal(uint(parseArgs(['--preserve-fds=2'], specs), 'preserve-fds', 0), 2);
  assert.throws(() => expectArgs(parseArgs([], specs), 'start', 1), /"start" requires exactly 1 argument/);
});
