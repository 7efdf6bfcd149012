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
  assert.throws(() => parseGitSource('git://h/r.git#--upload-pack=x'), /invalid git reference/);
  assert.equal(redactGitURL('https://user:token@host/r.git'), 'https://***@host/r.git');
});
