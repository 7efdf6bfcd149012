// .dockerignore matching (docker's patternmatcher cases: facts about which path a pattern matches).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isIgnored, parseIgnoreFile } from '../../../src/build/context/ignore.ts';

const ign = (patterns: string, path: string) => isIgnored(path, parseIgnoreFile(patterns));

test('single patterns', () => {
  const cases: [string, string, boolean][] = [
    ['*.go', 'main.go', true], ['*.go', 'sub/main.go', false], ['**/*.go', 'sub/dir/main.go', true], ['**/*.go', 'main.go', true],
    ['dir', 'dir/a/b', true], ['dir/', 'dir/a', true], ['/dir', 'dir/x', true], ['dir/*', 'dir', false], ['dir/*', 'dir/x/y', true],
    ['a?c', 'abc', true], ['a?c', 'a/c', false], ['**', 'anything/at/all', true], ['dir/**', 'dir/x', true], ['dir/**/x', 'dir/x', true],
    ['dir/**/x', 'dir/a/b/x', true], ['[a-c]*', 'beta', true], ['[^a-c]*', 'beta', false], ['[!a-c]*', 'beta', true], ['\\*', '*', true], ['\\*', 'x', false],
    ['./a/../b', 'b', true], ['docs/*.md', 'docs/README.md', true], ['docs/*.md', 'docs/sub/x.md', false], ['.git', '.git/HEAD', true],
  ];
  for (const [p, path, want] of cases) assert.equal(ign(p, path), want, `${p} vs ${path}`);
});

test('exceptions: the last match wins; comments and blanks skipped', () => {
  const pats = '# comment\n\n*.md\n!README.md\nREADME-secret.md\n';
  assert.equal(ign(pats, 'notes.md'), true);
  assert.equal(ign(pats, 'README.md'), false);
  assert.equal(ign(pats, 'README-secret.md'), true);
  assert.equal(ign('dir\n!dir/keep', 'dir/keep'), false);
  assert.equal(ign('dir\n!dir/keep', 'dir/other'), true);
  assert.throws(() => parseIgnoreFile('!\n'), /illegal exclusion/);
});
