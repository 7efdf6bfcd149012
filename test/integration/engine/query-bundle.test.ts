// The query bundle (dist/lib/berth-query.cjs, src/cli/berth-query-main.ts) against the full CLI
// (dist/lib/berth.cjs): the same command lines over one store, with running, exited and created
// containers, a volume and a few images, give the same stdout, stderr and status, byte for byte;
// the query bundle serves the read-only lines itself and hands the rest on (inspect of a name
// that is no container or volume, sizes, --help) without printing, and berth's launcher
// (dist/berth.mjs), which picks between them, prints what the full CLI prints for all of them.
// The bundles are checked first to be what src/ builds now (scripts/bundle-cjs.sh, as
// scripts/build.sh makes them): a stale dist/ fails, saying so, rather than testing old code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { isRoot } from '../../helpers/rootfs.ts';
import { assertNoLeaks, Berth, snapshot, TOP } from './harness.ts';

const FULL = join(TOP, 'dist/lib/berth.cjs');
const QUERY = join(TOP, 'dist/lib/berth-query.cjs');
const LAUNCHER = join(TOP, 'dist/berth.mjs');
const skip = !isRoot && 'needs root';
/** The query bundle alone: its runQuery's answer, or status 200 ("handed on") for undefined. */
const DRIVER = 'require(process.env.QUERY_BUNDLE).runQuery(process.argv.slice(1)).then((c) => { process.exitCode = c ?? 200; })';
const HANDED_ON = 200;

interface Out { status: number | null; stdout: string; stderr: string }

/** Fails unless dist/'s bundles and launcher are what the tree's src/ and scripts/ make now. */
function assertDistCurrent(): void {
  const tmp = mkdtempSync(join(tmpdir(), 'berth-qb-'));
  try {
    for (const [entry, built] of [['src/cli/berth-query-main.ts', QUERY], ['src/cli/berth-main.ts', FULL]]) {
      const fresh = join(tmp, basename(built));
      // From the top, as build.sh runs it: the bundle names its sources by relative path.
      const r = spawnSync('bash', ['scripts/bundle-cjs.sh', entry, fresh], { cwd: TOP, encoding: 'utf8', timeout: 120_000 });
      assert.equal(r.status, 0, `bundling ${entry}: ${r.stderr}`);
      let old: Buffer | undefined;
      try { old = readFileSync(built); } catch { /* below */ }
      assert.ok(old?.equals(readFileSync(fresh)), `${built} is ${old ? 'stale: not what ' + entry + ' builds now' : 'missing'}; run scripts/build.sh`);
    }
    const launcher = readFileSync(LAUNCHER, 'utf8');
    assert.equal(launcher.slice(launcher.indexOf('\n') + 1), readFileSync(join(TOP, 'scripts/launcher.mjs'), 'utf8'), `${LAUNCHER} is stale: not scripts/launcher.mjs; run scripts/build.sh`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** docker's human ages ("8 seconds ago", "Up About a minute", "2 hours"), which tick between runs. */
const AGE = /\b(?:\d+|About an?|Less than a) (?:seconds?|minutes?|hours?|days?|weeks?|months?|years?)\b/g;
/** An output with its ages masked and a table's padding (which follows their width) collapsed. */
const ageless = (o: Out): Out => ({ ...o, stdout: o.stdout.replace(AGE, '<age>').replace(/ {2,}/g, '  ') });

test('the query bundle prints what the full CLI prints, and hands on what it cannot serve', { skip }, async (t) => {
  assertDistCurrent();
  const b = new Berth();
  t.after(() => b.teardown());
  const before = snapshot(b);
  await b.ok(['run', '-d', '--name', 'up', '--label', 'tier=web', '-p', '127.0.0.1:18431:80', 'busybox', 'sleep', '300']);
  assert.equal((await b.run(['run', '--name', 'done', '--label', 'tier=batch', 'busybox', 'sh', '-c', 'echo hi > /f; exit 3'])).code, 3);
  await b.ok(['create', '--name', 'fresh', '-v', 'vol1:/data', 'busybox', 'true']);
  await b.ok(['tag', 'busybox', 'example.com/one:v1']);
  await b.ok(['tag', 'busybox', 'two:latest']);
  await b.ok(['commit', 'done', 'committed:1']);

  const globals = ['--root', b.root, '--run-root', b.runRoot, '--runtime', b.runtime];
  const run = (argv: string[], env: NodeJS.ProcessEnv = {}): Out => {
    const r = spawnSync(process.execPath, [...argv], { env: { ...b.env, ...env }, encoding: 'utf8', timeout: 60_000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const full = (line: string[]) => run([FULL, ...globals, ...line]);
  const query = (line: string[]) => run(['-e', DRIVER, '--', ...globals, ...line], { QUERY_BUNDLE: QUERY });
  const launcher = (line: string[]) => run([LAUNCHER, ...globals, ...line], { BERTH_NO_DAEMON: '1' });
  /** `a` and the full CLI agree. Ages ("3 seconds ago", "Up 3 seconds") tick while they run:
   * `a` runs between two runs of the full CLI, and its output must be exactly one of theirs
   * (the one before or the one after: on a loaded machine a tick falls between two runs more
   * often than not). A real difference never matches; it is shown against the run before. */
  const agree = (a: (l: string[]) => Out, line: string[], what: string) => {
    let last: { x: Out; y: Out } | undefined;
    for (let i = 0; i < 10; i++) {
      const y = full(line);
      const x = a(line);
      const z = full(line);
      if (JSON.stringify(x) === JSON.stringify(y) || JSON.stringify(x) === JSON.stringify(z)) return;
      last = { x, y };
    }
    // Three runs can take longer than a second every time on a loaded machine: the last pair,
    // then, with the ages masked (everything else must still agree).
    assert.deepEqual(ageless(last!.x), ageless(last!.y), `${what}: ${line.join(' ')} (10 tries, never the full CLI's output before or after it; ages masked)`);
  };

  const served: string[][] = [
    ['ps'], ['ps', '-a'], ['ps', '-a', '--no-trunc'], ['ps', '-aq'], ['ps', '-a', '-q', '--no-trunc'],
    ['ps', '-a', '--filter', 'status=exited'], ['ps', '-a', '--filter', 'status=created', '--filter', 'volume=vol1'],
    ['ps', '-a', '--filter', 'label=tier=web', '--format', '{{.Names}} {{.Status}} {{.Labels}} {{.Ports}}'],
    ['ps', '-a', '--format', 'json'], ['ps', '-a', '--format', 'table {{.ID}}\t{{.Names}}\t{{.State}}'], ['ps', '-n', '2'], ['ps', '-l', '--pod'],
    ['container', 'ls', '-a', '--filter', 'name=fresh'], ['container', 'list', '-aq'], ['container', 'ps', '--filter', 'exited=3', '-a'],
    ['ps', '-a', '--filter', 'bogus=1'], ['ps', '--last', 'x'], ['ps', '--no-such-flag'],
    ['inspect', 'up', 'done', 'fresh'], ['inspect', '--format', '{{.State.Status}} {{.Name}} {{.State.ExitCode}}', 'up', 'done', 'fresh'],
    ['container', 'inspect', '-f', '{{json .Config.Labels}}', 'up'], ['inspect', 'vol1'], ['inspect', '--type', 'container', 'nope'],
    ['inspect', '--type', 'volume', 'vol1', 'up'], ['inspect'],
    ['images'], ['images', '-q'], ['images', '--no-trunc'], ['images', '--digests'], ['images', '--format', 'json'],
    ['images', '--filter', 'reference=two'], ['images', 'two'], ['image', 'ls', '-a'], ['image', 'list', '--format', '{{.Repository}}:{{.Tag}}'],
    ['images', 'a', 'b'], ['images', '--filter', 'nope=1'],
    ['image', 'inspect', 'busybox', 'committed:1'], ['image', 'inspect', '-f', '{{.Id}} {{.RepoTags}}', 'busybox', 'two'],
    ['image', 'inspect', 'busybox', 'nope'], ['image', 'inspect', '-f', '{{.Id}}', 'nope'],
  ];
  for (const line of served) {
    agree(query, line, 'query bundle');
    agree(launcher, line, 'launcher');
  }
  // What it found and printed: the comparison is over real answers, not two empty outputs.
  assert.match(full(['ps', '-a', '--format', '{{.Names}} {{.State}}']).stdout, /^(?=[^]*\bup running\n)(?=[^]*\bdone exited\n)(?=[^]*\bfresh created\n)/);
  assert.equal(full(['inspect', '-f', '{{.State.ExitCode}}', 'done']).stdout, '3\n');
  assert.equal(full(['images', '-q']).stdout.trim().split('\n').length, 2);
  assert.equal(full(['inspect', '--type', 'container', 'nope']).status, 1);

  const handedOn: string[][] = [
    ['inspect', 'up', 'nope'], ['inspect', 'nope'], ['ps', '-s'], ['ps', '-a', '--size'], ['ps', '-a', '--format', '{{.Names}} {{.Size}}'],
    ['ps', '--help'], ['--help'], ['-v'], ['version'], ['container'], ['container', 'ls', '--help'], ['image', 'inspect', '--help'], ['images', '--help'],
  ];
  for (const line of handedOn) {
    const q = query(line);
    assert.deepEqual(q, { status: HANDED_ON, stdout: '', stderr: '' }, `handed on: ${line.join(' ')}`);
    agree(launcher, line, 'launcher');
  }
  assert.match(full(['inspect', 'up', 'nope']).stderr, /No such object: nope/);

  await b.ok(['rm', '-f', 'up', 'done', 'fresh']);
  await b.ok(['volume', 'rm', 'vol1']);
  assertNoLeaks(b, before);
});
