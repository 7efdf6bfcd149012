// Which command lines berthd runs in its own process (src/cli/berth/main.ts servedInProcess):
// the read-only ones, by their table entries, with global options before them; never --help,
// --version or a size.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { servedInProcess } from '../../../src/cli/berth/main.ts';
import { QUERY_LOADERS, QUERY_NAMES, queryCommand } from '../../../src/cli/berth/queries.ts';
import { COMMANDS, GROUPS } from '../../../src/cli/berth/table.ts';

test('ps, inspect, images and their management-group names are served in berthd\'s process', () => {
  for (const argv of [
    ['ps'], ['ps', '-a', '--format', '{{.Names}}'], ['container', 'ls', '-a'], ['container', 'list'], ['container', 'ps', '-q'],
    ['inspect', 'x'], ['container', 'inspect', 'x'], ['images'], ['image', 'ls'], ['image', 'list'], ['image', 'inspect', 'busybox'],
    ['--root', '/r', '--run-root', '/rr', 'ps', '-a'], ['-D', 'inspect', '--type', 'image', 'x'],
  ]) assert.equal(servedInProcess(argv), true, argv.join(' '));
});

test('anything else goes to a worker: other commands, help, version, sizes, bad globals', () => {
  for (const argv of [
    [], ['run', 'busybox'], ['rm', 'x'], ['container', 'rm', 'x'], ['image', 'rm', 'x'], ['image', 'pull', 'x'], ['version'], ['info'],
    ['ps', '--help'], ['--help'], ['--version'], ['-v'], ['container'], ['image'], ['ps', '-s'], ['ps', '-as'], ['ps', '--size'],
    ['inspect', '--size', 'x'], ['--no-such-global', 'ps'], ['--root'], ['no-such-command'],
  ]) assert.equal(servedInProcess(argv), false, argv.join(' '));
});

test('the read-only names are the command tables\' own: each loads the same command there, and no other name does', () => {
  const resolve = (name: string) => {
    const [word, sub] = name.split(' ');
    const group = GROUPS[word];
    return sub === undefined ? COMMANDS[word] : group && (group.commands[sub] ?? group.commands[group.aliases?.[sub] ?? '']);
  };
  for (const [name, cmd] of Object.entries(QUERY_NAMES)) assert.equal(resolve(name)?.load, QUERY_LOADERS[cmd], name);
  const loaders = new Set<unknown>(Object.values(QUERY_LOADERS));
  const names = [...Object.keys(COMMANDS), ...Object.entries(GROUPS).flatMap(([g, grp]) => [...Object.keys(grp.commands), ...Object.keys(grp.aliases ?? {})].map((c) => `${g} ${c}`))];
  for (const n of names) if (loaders.has(resolve(n)?.load)) assert.ok(QUERY_NAMES[n], `${n} loads a read-only command but is not in QUERY_NAMES`);
});

test('queryCommand splits the line: the command\'s name as typed, its own arguments, the globals', () => {
  assert.deepEqual(queryCommand(['--root', '/r', '-D', 'container', 'list', '-a', '--filter', 'x=y']), {
    name: 'container list', load: QUERY_LOADERS.ps, argv: ['-a', '--filter', 'x=y'], globals: { root: '/r', runRoot: undefined, runtime: undefined, debug: true },
  });
  assert.deepEqual(queryCommand(['images', 'busybox'])?.argv, ['busybox']);
  assert.equal(queryCommand(['image', 'inspect', 'x'])?.load, QUERY_LOADERS.imageInspect);
  assert.equal(queryCommand(['ps', 'ls'])?.name, 'ps');
});
