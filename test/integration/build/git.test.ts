// ADD of git repositories, served from a bare repository on loopback by `git daemon` (git://)
// and by `git http-backend` behind a small HTTP server (http://…/repo.git): the default branch,
// a branch with a subdirectory, an annotated tag, a full commit, a submodule, --keep-git-dir; git's file
// modes and symlinks; cache hits keyed by the resolved commit (a new commit on the branch
// re-runs exactly the ADDs that name it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isRoot, makeTemp, removeTemp } from '../../helpers/rootfs.ts';
import { defer, killOnEnd } from '../../helpers/cleanup.ts';
import { freePort } from '../../helpers/registry.ts';
import { Berth } from '../engine/harness.ts';
import { cacheReport, context } from './util.ts';

const skip = !isRoot && 'needs root';
const GIT_ENV = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com', GIT_AUTHOR_DATE: '2024-01-01T00:00:00Z', GIT_COMMITTER_DATE: '2024-01-01T00:00:00Z' };
const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, env: GIT_ENV, encoding: 'utf8' }).trim();
const mode = (p: string) => (lstatSync(p).mode & 0o7777).toString(8);

/** A work repository pushed to `srv/repo.git`: main (README, bin/run.sh 0755, a symlink), tag v1
 * (annotated) on main's first commit, a branch dev with a subdirectory, and a branch with-sub
 * with a submodule (`srv/lib.git`, named by its git:// URL on `port`). */
function makeRepo(base: string, port: number): { work: string; bare: string; first: string; sub: string } {
  const work = join(base, 'work');
  const bare = join(base, 'srv', 'repo.git');
  mkdirSync(join(work, 'bin'), { recursive: true });
  git(base, 'init', '-q', '-b', 'main', work);
  writeFileSync(join(work, 'README'), 'main v1\n');
  writeFileSync(join(work, 'bin/run.sh'), '#!/bin/sh\necho run\n', { mode: 0o755 });
  execFileSync('ln', ['-s', 'README', join(work, 'link')]);
  git(work, 'add', '-A');
  git(work, 'commit', '-q', '-m', 'first');
  git(work, 'tag', '-a', 'v1', '-m', 'version 1');
  const first = git(work, 'rev-parse', 'HEAD');
  git(work, 'checkout', '-q', '-b', 'dev');
  mkdirSync(join(work, 'sub/dir'), { recursive: true });
  writeFileSync(join(work, 'sub/dir/file.txt'), 'on dev\n');
  git(work, 'add', '-A');
  git(work, 'commit', '-q', '-m', 'dev');
  git(work, 'checkout', '-q', 'main');
  const lib = join(base, 'lib');
  git(base, 'init', '-q', '-b', 'main', lib);
  writeFileSync(join(lib, 'lib.txt'), 'library\n');
  git(lib, 'add', '-A');
  git(lib, 'commit', '-q', '-m', 'lib');
  git(base, 'clone', '-q', '--bare', lib, join(base, 'srv', 'lib.git'));
  git(work, 'checkout', '-q', '-b', 'with-sub');
  git(work, '-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', lib, 'vendor/lib');
  git(work, 'config', '-f', '.gitmodules', 'submodule.vendor/lib.url', `git://127.0.0.1:${port}/lib.git`);
  git(work, 'commit', '-q', '-am', 'submodule');
  const sub = git(work, 'rev-parse', 'HEAD');
  // A branch whose directory is a symlink out of the repository (to the host's /etc).
  git(work, 'checkout', '-q', 'main');
  git(work, 'checkout', '-q', '-b', 'escape');
  execFileSync('ln', ['-s', '/etc', join(work, 'hostetc')]);
  git(work, 'add', '-A');
  git(work, 'commit', '-q', '-m', 'escape');
  git(work, 'checkout', '-q', 'main');
  git(base, 'clone', '-q', '--bare', work, bare);
  return { work, bare, first, sub };
}

test('ADD git://… and http(s)://….git: refs, subdirectories, --keep-git-dir, modes, cache on the commit', { skip, timeout: 300_000 }, async (t) => {
  const base = makeTemp('berth-git-');
  defer(t, () => removeTemp(base));
  const port = await freePort();
  const { work, bare, first, sub } = makeRepo(base, port);
  // git-daemon itself (not the `git daemon` wrapper, which would leave it behind when killed).
  const daemon = spawn(join(execFileSync('git', ['--exec-path'], { encoding: 'utf8' }).trim(), 'git-daemon'), ['--reuseaddr', '--export-all', '--informative-errors', `--base-path=${join(base, 'srv')}`, '--listen=127.0.0.1', `--port=${port}`, join(base, 'srv')], { stdio: 'ignore' });
  killOnEnd(t, daemon);
  // git http-backend (CGI) behind a loopback HTTP server: the smart HTTP protocol.
  const http = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    const cgi = spawn('git', ['http-backend'], { env: { ...process.env, GIT_PROJECT_ROOT: join(base, 'srv'), GIT_HTTP_EXPORT_ALL: '1', PATH_INFO: u.pathname, QUERY_STRING: u.search.slice(1), REQUEST_METHOD: req.method ?? 'GET', CONTENT_TYPE: req.headers['content-type'] ?? '', REMOTE_ADDR: '127.0.0.1' } });
    req.pipe(cgi.stdin);
    let head = Buffer.alloc(0);
    let started = false;
    cgi.stdout.on('data', (c: Buffer) => {
      if (started) { res.write(c); return; }
      head = Buffer.concat([head, c]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      started = true;
      let status = 200;
      for (const line of head.subarray(0, end).toString().split('\r\n')) {
        const i = line.indexOf(':');
        const [k, v] = [line.slice(0, i).trim(), line.slice(i + 1).trim()];
        if (k.toLowerCase() === 'status') status = Number(v.split(' ')[0]); else res.setHeader(k, v);
      }
      res.writeHead(status);
      res.write(head.subarray(end + 4));
    });
    cgi.on('close', () => res.end());
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  defer(t, () => new Promise<void>((r) => { http.closeAllConnections(); http.close(() => r()); }));
  const httpUrl = `http://127.0.0.1:${(http.address() as { port: number }).port}/repo.git`;
  const url = `git://127.0.0.1:${port}/repo.git`;
  for (let i = 0; ; i++) {
    try { execFileSync('git', ['ls-remote', url], { stdio: 'ignore' }); break; } catch { if (i > 100) throw new Error('git daemon did not come up'); await new Promise((r) => setTimeout(r, 50)); }
  }

  const b = new Berth();
  defer(t, () => b.teardown());
  // The ADDs that name main come last: a new commit on main re-runs exactly them.
  const dockerfile = [
    'FROM busybox',
    `ADD ${url}#dev:sub /dev-sub`,
    `ADD --checksum=${first} ${url}#v1 /tagged/`,
    `ADD ${url}#${first} /bycommit`,
    `ADD ${httpUrl}#dev /over-http`,
    `ADD ${url}#with-sub /with-sub`,
    `ADD ${httpUrl}?branch=with-sub&subdir=vendor&submodules=false&checksum=${sub} /query/`,
    `ADD ${url} /src`,
    `ADD --keep-git-dir=true ${url}#main /kept`,
    '',
  ].join('\n');
  const ctx = context(b, { Dockerfile: dockerfile });
  const out = join(b.tmp, 'out');
  const r = await b.run(['build', '-t', 'git:1', '-o', `type=local,dest=${out}`, ctx]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(readFileSync(join(out, 'src/README'), 'utf8'), 'main v1\n');
  assert.equal(mode(join(out, 'src/README')), '644');
  assert.equal(mode(join(out, 'src/bin/run.sh')), '755');
  assert.equal(readlinkSync(join(out, 'src/link')), 'README');
  assert.equal(existsSync(join(out, 'src/.git')), false, 'no .git without --keep-git-dir');
  assert.equal(readFileSync(join(out, 'dev-sub/dir/file.txt'), 'utf8'), 'on dev\n');
  assert.equal(existsSync(join(out, 'dev-sub/README')), false, 'only the subdirectory');
  assert.equal(readFileSync(join(out, 'tagged/README'), 'utf8'), 'main v1\n');
  assert.equal(readFileSync(join(out, 'bycommit/README'), 'utf8'), 'main v1\n');
  assert.equal(readFileSync(join(out, 'over-http/sub/dir/file.txt'), 'utf8'), 'on dev\n');
  assert.equal(readFileSync(join(out, 'with-sub/vendor/lib/lib.txt'), 'utf8'), 'library\n', 'submodules checked out');
  assert.equal(existsSync(join(out, 'with-sub/vendor/lib/.git')), false, 'nor the submodule\'s .git');
  assert.equal(lstatSync(join(out, 'query/lib')).isDirectory(), true, '?subdir=vendor: the submodule\'s directory');
  assert.equal(existsSync(join(out, 'query/lib/lib.txt')), false, '?submodules=false: left empty');
  assert.equal(git(join(out, 'kept'), 'rev-parse', 'HEAD'), git(work, 'rev-parse', 'main'));
  assert.equal(git(join(out, 'kept'), 'rev-parse', '--abbrev-ref', 'HEAD'), 'main');
  assert.equal(await b.ok(['run', '--rm', '--network', 'none', 'git:1', 'sh', '-c', 'stat -c "%u:%g %a" /src/bin/run.sh && /src/bin/run.sh']), '0:0 755\nrun\n');

  const again = await b.run(['build', ctx]);
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(cacheReport(again.stderr).ran, [], 'every ADD cached: the refs name the same commits');

  writeFileSync(join(work, 'README'), 'main v2\n');
  git(work, 'commit', '-q', '-am', 'second');
  git(work, 'push', '-q', bare, 'main');
  const changed = await b.run(['build', '-t', 'git:2', ctx]);
  assert.equal(changed.code, 0, changed.stderr);
  assert.deepEqual(cacheReport(changed.stderr).ran, [`ADD ${url} /src`, `ADD --keep-git-dir=true ${url}#main /kept`]);
  assert.equal(await b.ok(['run', '--rm', '--network', 'none', 'git:2', 'cat', '/src/README', '/tagged/README']), 'main v2\nmain v1\n');

  const missing = await b.run(['build', context(b, { Dockerfile: `FROM busybox\nADD ${url}#nope /x\n` })]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /Dockerfile:2: .*ref "nope" not found/);
  const moved = await b.run(['build', context(b, { Dockerfile: `FROM busybox\nADD --checksum=${first} ${url}#main /x\n` })]);
  assert.equal(moved.code, 1);
  assert.match(moved.stderr, new RegExp(`expected commit ${first}, the ref names ${git(work, 'rev-parse', 'main')}`));
  const escape = await b.run(['build', context(b, { Dockerfile: `FROM busybox\nADD ${url}#escape:hostetc /x\n` })]);
  assert.equal(escape.code, 1);
  assert.match(escape.stderr, /"hostetc" leads out of the repository/);
  const mixed = await b.run(['build', context(b, { Dockerfile: `FROM busybox\nADD ${url} other /x/\n`, other: '' })]);
  assert.equal(mixed.code, 1);
  assert.match(mixed.stderr, /ADD of a git repository takes it as the only source/);
});
