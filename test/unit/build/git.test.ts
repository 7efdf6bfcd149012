// ADD's git sources: which sources are git repositories (as BuildKit tells them apart) and the
// `#ref:subdir` fragment.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isGitSource, parseGitSource, redactGitURL } from '../../../src/build/context/git.ts';

test('git sources and not', () => {
  for (const s of ['git://host/repo.git', 'git@github.com:moby/buildkit.git', 'ssh://git@host/r.git', 'github.com/moby/buildkit', 'https://host/r.git', 'https://host/r.git#main:sub', 'http://host/r.git/']) {
    assert.equal(isGitSource(s), true, s);
  }
  for (const s of ['https://host/file.tar.gz', 'https://host/r.git.txt', 'http://host/x#y.git', 'src/', 'repo.git']) assert.equal(isGitSource(s), false, s);
});

test('#ref:subdir fragments', () => {
  assert.deepEqual(parseGitSource('https://host/r.git'), { remote: 'https://host/r.git', subdir: '' });
  assert.deepEqual(parseGitSource('https://host/r.git#main'), { remote: 'https://host/r.git', ref: 'main', subdir: '' });
  assert.deepEqual(parseGitSource('git@host:o/r.git#v1.0:docs/'), { remote: 'git@host:o/r.git', ref: 'v1.0', subdir: 'docs' });
  assert.deepEqual(parseGitSource('git://h/r.git#:a/b'), { remote: 'git://h/r.git', subdir: 'a/b' });
  assert.deepEqual(parseGitSource('github.com/o/r#dev'), { remote: 'https://github.com/o/r', ref: 'dev', subdir: '' });
  assert.equal(parseGitSource('git://h/r.git#main:../x').subdir, 'x', 'a subdirectory stays inside the repository');
});

test('the ?query form (Dockerfile 1.18): ref, tag, branch, subdir, checksum/commit, keep-git-dir, submodules', () => {
  assert.equal(isGitSource('https://host/r.git?branch=dev&subdir=docs'), true);
  assert.deepEqual(parseGitSource('https://host/r.git?tag=v1&subdir=/docs/'), { remote: 'https://host/r.git', ref: 'refs/tags/v1', subdir: 'docs' });
  assert.deepEqual(parseGitSource('https://host/r.git?branch=dev'), { remote: 'https://host/r.git', ref: 'refs/heads/dev', subdir: '' });
  assert.deepEqual(parseGitSource('https://host/r.git?ref=pull/42/head'), { remote: 'https://host/r.git', ref: 'pull/42/head', subdir: '' });
  const c = 'a'.repeat(40);
  assert.deepEqual(parseGitSource(`git@host:o/r.git?commit=${c}&keep-git-dir=true&submodules=false`), { remote: 'git@host:o/r.git', subdir: '', checksum: c, keepGitDir: true, submodules: false });
  assert.throws(() => parseGitSource('https://host/r.git?tag=v1&branch=dev'), /only one of ref, tag and branch/);
  assert.throws(() => parseGitSource('https://host/r.git?depth=1'), /unknown git URL query "depth"/);
  assert.throws(() => parseGitSource('https://host/r.git?ref=v1#main'), /either as a #fragment or as a \?query/);
  assert.throws(() => parseGitSource('https://host/r.git?submodules=maybe'), /submodules=maybe: expected true or false/);
  assert.throws(() => parseGitSource('git://h/r.git#--upload-pack=x'), /invalid git reference/);
  assert.equal(redactGitURL('https://user:token@host/r.git'), 'https://***@host/r.git');
  assert.equal(redactGitURL("fatal: repository 'https://u:t@host/r.git/' not found"), "fatal: repository 'https://***@host/r.git/' not found");
});
