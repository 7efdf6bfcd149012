// Which command lines berthd runs in its own process (src/cli/berth/main.ts servedInProcess):
// the read-only ones, by their table entries, with global options before them; never --help,
// --version or a size.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { servedInProcess } from '../../../src/cli/berth/main.ts';

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
