// berth build end to end on the built-in busybox base, each test with its own roots: the image
// and what runs from it, cache hits and exactly the misses a change causes, multi-stage with
// --target, .dockerignore, USER/WORKDIR/ENV, whiteouts, heredocs, cache and secret mounts, a
// failing RUN that leaves nothing behind, and reproducible digests with SOURCE_DATE_EPOCH.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isRoot } from '../../helpers/rootfs.ts';
import { defer, killOnEnd } from '../../helpers/cleanup.ts';
import { assertNoLeaks, Berth, snapshot } from '../engine/harness.ts';
import { cacheReport, context } from './util.ts';

const skip = !isRoot && 'needs root';

function leftovers(b: Berth): string[] {
  const ls = (d: string) => { try { return readdirSync(d); } catch { return []; } };
  const cg = ls('/sys/fs/cgroup').flatMap((c) => ls(join('/sys/fs/cgroup', c, b.cgroupParent)).filter((d) => d.startsWith('berth-build-')));
  return [...ls(join(b.runRoot, 'build')), ...cg];
}

test('build, run the image, rebuild from cache, and re-run exactly what a changed file affects', { skip }, async (t) => {
  const b = new Berth();
  defer(t, () => b.teardown());
  const before = snapshot(b);
  const dir = context(b, {
    'Dockerfile': 'FROM busybox\nENV GREETING=hi\nWORKDIR /app\nCOPY stable.txt .\nRUN echo "$GREETING" > greeting\nCOPY changing.txt .\nRUN cat changing.txt greeting > both\nCMD ["cat", "/app/both"]\n',
    'stable.txt': 'stable\n', 'changing.txt': 'v1\n',
  });
  const first = await b.run(['build', '-t', 'cachetest:1', dir]);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stderr, /writing image sha256:[0-9a-f]{64} done/);
  assert.equal(await b.ok(['run', '--rm', '--network', 'none', 'cachetest:1']), 'v1\nhi\n');

  const again = await b.run(['build', '-t', 'cachetest:1', dir]);
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(cacheReport(again.stderr).ran, [], 'an unchanged rebuild runs nothing');
  assert.equal(cacheReport(again.stderr).cached.length, 5);

  writeFileSync(join(dir, 'changing.txt'), 'v2\n');
  const changed = await b.run(['build', '-t', 'cachetest:1', dir]);
  assert.equal(changed.code, 0, changed.stderr);
  const rep = cacheReport(changed.stderr);
  assert.deepEqual(rep.cached, ['WORKDIR /app', 'COPY stable.txt .', 'RUN echo "$GREETING" > greeting']);
  assert.deepEqual(rep.ran, ['COPY changing.txt .', 'RUN cat changing.txt greeting > both']);
  assert.equal(await b.ok(['run', '--rm', '--network', 'none', 'cachetest:1']), 'v2\nhi\n');

  const noCache = await b.run(['build', '--no-cache', '-q', dir]);
  assert.equal(noCache.code, 0, noCache.stderr);
  assert.match(noCache.stdout, /^sha256:[0-9a-f]{64}\n$/);
  assert.match(await b.ok(['system', 'df']), /^Build Cache\s+[1-9]\d*\s+0\s+\S+$/m);
  assert.match(await b.ok(['builder', 'prune', '-a', '-f']), /^Deleted build cache records: [1-9]\d*\n/);
  assert.match(await b.ok(['system', 'df']), /^Build Cache\s+0\s+0\s+0B$/m);
  const afterPrune = await b.run(['build', '-t', 'cachetest:1', dir]);
  assert.equal(afterPrune.code, 0, afterPrune.stderr);
  assert.deepEqual(cacheReport(afterPrune.stderr).cached, [], 'nothing cached after builder prune');
  assert.equal(await b.ok(['run', '--rm', '--network', 'none', 'cachetest:1']), 'v2\nhi\n');
  assert.deepEqual(leftovers(b), []);
  assertNoLeaks(b, before);
});

test('COPY --link: its layer is reused when the steps before it change', { skip }, async (t) => {
  const b = new Berth();
  defer(t, () => b.teardown());
  const dir = context(b, { 'Dockerfile': 'FROM busybox\nRUN echo v1 > /base\nCOPY --link f /linked/\n', f: 'payload\n' });
  assert.equal((await b.run(['build', '-t', 'link:1', dir])).code, 0);
  writeFileSync(join(dir, 'Dockerfile'), 'FROM busybox\nRUN echo v2 > /base\nCOPY --link f /linked/\n');
  const r = await b.run(['build', '-t', 'link:2', dir]);
  assert.equal(r.code, 0, r.stderr);
  const rep = cacheReport(r.stderr);
  assert.deepEqual(rep.ran, ['RUN echo v2 > /base']);
  assert.deepEqual(rep.cached, ['COPY --link f /linked/']);
  assert.equal(await b.ok(['run', '--rm', '--network', 'none', 'link:2', 'cat', '/base', '/linked/f']), 'v2\npayload\n');
  const layers = (tag: string) => b.ok(['image', 'inspect', '--format', '{{json .RootFS.Layers}}', tag]).then((o) => JSON.parse(o) as string[]);
  const [l1, l2] = [await layers('link:1'), await layers('link:2')];
  assert.equal(l1.at(-1), l2.at(-1), 'the same linked layer on both bases');
  assert.notEqual(l1.at(-2), l2.at(-2));
});

test('multi-stage with COPY --from, --target, and stages the target does not need skipped', { skip }, async (t) => {
  const b = new Berth();
  defer(t, () => b.teardown());
  const dir = context(b, {
    'Dockerfile': [
      'FROM busybox AS builder', 'RUN mkdir /out && echo artifact > /out/a && echo builder-ran',
      'FROM busybox AS unused', 'RUN echo unused-stage-ran',
      'FROM busybox', 'COPY --from=builder /out/a /final/a', 'COPY --from=0 /out /all/', 'CMD ["cat", "/final/a"]', '',
    ].join('\n'),
  });
  const r = await b.run(['build', '-t', 'ms:1', dir]);
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /unused-stage-ran/);
  assert.match(r.stderr, /builder-ran/);
  assert.equal(await b.ok(['run', '--rm', '--network', 'none', 'ms:1']), 'artifact\n');
  assert.equal(await b.ok(['run', '--rm', '--network', 'none', 'ms:1', 'cat', '/all/a']), 'artifact\n');
  const target = await b.run(['build', '--target', 'unused', '-t', 'ms:unused', dir]);
  assert.equal(target.code, 0, target.stderr);
  assert.match(target.stderr, /unused-stage-ran/);
  assert.doesNotMatch(target.stderr, /\[builder/);
  const bad = await b.run(['build', '--target', 'nope', dir]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /target stage "nope" could not be found/);
});

test('a stage does not wait for a stage it copies from before its own first steps', { skip }, async (t) => {
  const b = new Berth();
  defer(t, () => b.teardown());
  const dir = context(b, { 'Dockerfile': 'FROM busybox AS slow\nRUN sleep 3 && echo slow > /s\nFROM busybox\nRUN echo early-step\nCOPY --from=slow /s /s\n' });
  const r = await b.run(['build', '-t', 'graph:1', dir]);
  assert.equal(r.code, 0, r.stderr);
  const slowId = /^#(\d+) \[slow \d+\/\d+\] RUN sleep 3/m.exec(r.stderr)![1];
  const early = r.stderr.search(/^#\d+ [\d.]+ early-step$/m);
  const slowDone = r.stderr.search(new RegExp(`^#${slowId} DONE`, 'm'));
  assert.ok(early >= 0 && slowDone > early, 'the final stage ran its RUN while the slow stage was still running');
  assert.equal(await b.ok(['run', '--rm', '--network', 'none', 'graph:1', 'cat', '/s']), 'slow\n');
});

test('.dockerignore, USER, WORKDIR, ENV, whiteouts and heredocs', { skip }, async (t) => {
  const b = new Berth();
  defer(t, () => b.teardown());
  const dir = context(b, {
    'Dockerfile': [
      'FROM busybox',
      'RUN echo "app:x:1000:1000::/home/app:/bin/sh" >> /etc/passwd && echo "app:x:1000:" >> /etc/group',
      'ENV A=1 B=two',
      'ENV C=${A}-${B}',
      'COPY . /ctx/',
      'RUN mkdir /data && echo temp > /data/gone && echo kept > /data/kept',
      'RUN rm /data/gone',
      'COPY --chown=app:app --chmod=750 keep.md /home/app/',
      'USER app',
      'WORKDIR /home/app/work',
      'RUN <<EOF',
      'id -u > uid',
      'pwd > cwd',
      'EOF',
      "COPY <<'LITERAL' <<EXPANDED /home/app/",
      '$C stays',
      'LITERAL',
      '$C expands',
      'EXPANDED',
      '',
    ].join('\n'),
    '.dockerignore': '*.md\n!keep.md\nsecret/\n',
    'keep.md': 'keep\n', 'drop.md': 'drop\n', 'secret/key': 'k\n', 'sub/x.txt': 'x\n',
  });
  const r = await b.run(['build', '-t', 'effects:1', dir]);
  assert.equal(r.code, 0, r.stderr);
  const out = await b.ok(['run', '--rm', '--network', 'none', 'effects:1', 'sh', '-c',
    'ls /ctx | sort | tr "\\n" " "; echo; echo $C; cat uid cwd; ls /data; stat -c "%U:%G %a" /home/app/keep.md; cat /home/app/LITERAL /home/app/EXPANDED; id -un; pwd']);
  assert.equal(out, [
    'Dockerfile keep.md sub ', '1-two', '1000', '/home/app/work', 'kept', 'app:app 750', '$C stays', '1-two expands', 'app', '/home/app/work', '',
  ].join('\n'));
  const cfg = JSON.parse(await b.ok(['image', 'inspect', 'effects:1']))[0].Config;
  assert.equal(cfg.User, 'app');
  assert.equal(cfg.WorkingDir, '/home/app/work');
  assert.ok(cfg.Env.includes('C=1-two'));
});

test('a failing RUN stops the build with its exit code and output and leaves nothing behind', { skip }, async (t) => {
  const b = new Berth();
  defer(t, () => b.teardown());
  const before = snapshot(b);
  const dir = context(b, { 'Dockerfile': 'FROM busybox\nRUN echo first-step\nRUN echo about-to-fail && exit 3\nRUN echo never\n' });
  const r = await b.run(['build', '-t', 'fails:1', dir]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /about-to-fail/);
  assert.match(r.stderr, /Dockerfile:3: process "\/bin\/sh -c echo about-to-fail && exit 3" did not complete successfully: exit code: 3/);
  assert.doesNotMatch(r.stderr, /never/);
  assert.equal((await b.run(['image', 'inspect', 'fails:1'])).code, 1);
  const q = await b.run(['build', '-q', dir]);
  assert.equal(q.code, 1);
  assert.match(q.stderr, /about-to-fail/, '-q still shows the failing step\'s output');
  const missing = await b.run(['build', context(b, { 'Dockerfile': 'FROM busybox\nCOPY nothere /x\n' })]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /Dockerfile:2: COPY nothere \/x: "nothere": not found/);
  const syntax = await b.run(['build', context(b, { 'Dockerfile': 'FROM busybox\nRUN <<EOF\necho\n' })]);
  assert.equal(syntax.code, 1);
  assert.match(syntax.stderr, /Dockerfile:2: unterminated heredoc/);
  assert.deepEqual(leftovers(b), []);
  assertNoLeaks(b, before);
});

// A build interrupted in the middle of a RUN: SIGKILL leaves its work root for the next build
// to clean; Ctrl-C (SIGINT) has the build kill the RUN, clean up itself and exit 130.
const interruptions: { title: string; signal: NodeJS.Signals; cleanedBy: string;
  after: (b: Berth, code: unknown, stderr: string, t0: number) => Promise<void> }[] = [
  {
    title: 'a build killed mid-RUN is cleaned up by the next build', signal: 'SIGKILL', cleanedBy: 'cleaned up by the next build',
    after: async (b) => {
      assert.notDeepEqual(leftovers(b), [], 'the killed build left its work root');
      const next = await b.run(['build', '-q', context(b, { 'Dockerfile': 'FROM busybox\nRUN true\n' })]);
      assert.equal(next.code, 0, next.stderr);
    },
  },
  {
    title: 'Ctrl-C cancels a build (exit 130, nothing left)', signal: 'SIGINT', cleanedBy: 'cleaned up by the cancelled build itself',
    after: async (_b, code, stderr, t0) => {
      assert.equal(code, 130, stderr);
      assert.ok(Date.now() - t0 < 15_000, 'the sleeping RUN was killed');
      assert.match(stderr, /ERROR: build cancelled/);
    },
  },
];

for (const c of interruptions) {
  test(c.title, { skip }, async (t) => {
    const b = new Berth();
    defer(t, () => b.teardown());
    const before = snapshot(b);
    const dir = context(b, { 'Dockerfile': 'FROM busybox\nRUN echo started && sleep 60\n' });
    const child = b.spawn(['build', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
    killOnEnd(t, child);
    let err = '';
    child.stderr!.on('data', (d) => { err += d; });
    const deadline = Date.now() + 50_000; // (the RUN sleeps 60 s: the kill must come before it ends)
    // The RUN's own output line (the step's title names "started" too).
    while (!/^#\d+ [\d.]+ started$/m.test(err) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.match(err, /started/);
    const t0 = Date.now();
    child.kill(c.signal);
    const code = await new Promise((r) => child.on('close', r));
    await c.after(b, code, err, t0);
    assert.deepEqual(leftovers(b), [], c.cleanedBy);
    assertNoLeaks(b, before);
  });
}

test('a failing stage stops the stages beside it', { skip }, async (t) => {
  const b = new Berth();
  defer(t, () => b.teardown());
  const before = snapshot(b);
  const par = context(b, { 'Dockerfile': 'FROM busybox AS slow\nRUN sleep 60\nFROM busybox AS bad\nRUN sleep 1; exit 7\nFROM busybox\nCOPY --from=slow /etc/passwd /a\nCOPY --from=bad /etc/passwd /b\n' });
  const t1 = Date.now();
  const r = await b.run(['build', par], { timeoutMs: 120_000 });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /exit code: 7/);
  assert.ok(Date.now() - t1 < 30_000, `the slow stage was stopped (${Date.now() - t1} ms)`);
  assert.deepEqual(leftovers(b), []);
  assertNoLeaks(b, before);
});

test('RUN networks: default (the build\'s own namespace on the bridge), none, host; released after', { skip }, async (t) => {
  const b = new Berth();
  defer(t, () => b.teardown());
  const before = snapshot(b);
  const ifaces = 'tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " " | sort | tr "\\n" " "';
  const dir = context(b, { 'Dockerfile': [
    'FROM busybox',
    `RUN echo "default: $(${ifaces})"`,
    `RUN --network=none echo "none: $(${ifaces})"`,
    'RUN --network=host echo "host: $(tail -n +3 /proc/net/dev | wc -l)"',
    `RUN echo "again: $(${ifaces})"`,
    '',
  ].join('\n') });
  const r = await b.run(['build', '--no-cache', dir]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /default: eth0 lo $/m);
  assert.match(r.stderr, /none: lo $/m);
  assert.match(r.stderr, /again: eth0 lo $/m);
  const hostCount = Number(/host: (\d+)/.exec(r.stderr)?.[1]);
  assert.ok(hostCount >= 2, `the host's interfaces (${hostCount})`);
  const forced = await b.run(['build', '--no-cache', '--network', 'none', dir]);
  assert.equal(forced.code, 0, forced.stderr);
  assert.match(forced.stderr, /default: lo $/m, '--network none is the default of every RUN');
  assert.match(forced.stderr, /host: \d+/, 'RUN --network=host wins over it');
  assert.deepEqual(leftovers(b), []);
  assertNoLeaks(b, before);
});

test('SOURCE_DATE_EPOCH makes the image digest reproducible; cache mounts persist; secrets stay out of layers', { skip }, async (t) => {
  const b = new Berth();
  defer(t, () => b.teardown());
  const dir = context(b, {
    'Dockerfile': [
      'FROM busybox', 'COPY f.txt /f.txt', 'RUN date > /built-at && touch /newfile',
      'RUN --mount=type=cache,target=/cache echo run >> /cache/log && wc -l < /cache/log > /cache-count',
      'RUN --mount=type=secret,id=tok cat /run/secrets/tok > /dev/null && test ! -e /tok-leak && echo secret-ok',
      '',
    ].join('\n'),
    'f.txt': 'content\n',
  });
  writeFileSync(join(b.tmp, 'tok'), 's3cr3t\n');
  const args = ['build', '--no-cache', '-q', '--build-arg', 'SOURCE_DATE_EPOCH=1700000000', '--secret', `id=tok,src=${join(b.tmp, 'tok')}`, dir];
  const one = await b.ok(args);
  await new Promise((r) => setTimeout(r, 1100));
  const two = await b.ok(args);
  // `date` output differs between the runs only if the clock is read: /built-at holds the time,
  // so it is removed from the comparison by building it into both; same digest means same bytes.
  const hist = JSON.parse(await b.ok(['image', 'inspect', one.trim()]))[0];
  assert.equal(hist.Created.slice(0, 19), '2023-11-14T22:13:20');
  const count = await b.ok(['run', '--rm', '--network', 'none', two.trim(), 'cat', '/cache-count']);
  assert.equal(count.trim(), '2', 'the cache mount kept the first build\'s line');
  const layers = await b.ok(['run', '--rm', '--network', 'none', two.trim(), 'sh', '-c', 'ls /run/secrets 2>/dev/null | wc -l']);
  assert.equal(layers.trim(), '0');
  // Reproducible when the steps are: the same Dockerfile without the clock and counter steps.
  const dir2 = context(b, { 'Dockerfile': 'FROM busybox\nCOPY f.txt /f.txt\nRUN echo x > /x && mkdir -p /d/e && touch /d/e/f\nENV A=1\n', 'f.txt': 'content\n' });
  const r1 = await b.ok(['build', '--no-cache', '-q', '--build-arg', 'SOURCE_DATE_EPOCH=1700000000', dir2]);
  await new Promise((r) => setTimeout(r, 1100));
  const r2 = await b.ok(['build', '--no-cache', '-q', '--build-arg', 'SOURCE_DATE_EPOCH=1700000000', dir2]);
  assert.equal(r1, r2, 'same input, same SOURCE_DATE_EPOCH: same image ID');
  const r3 = await b.ok(['build', '--no-cache', '-q', dir2]);
  assert.notEqual(r3, r1);
});

test('--cache-to type=local and --cache-from type=local carry the cache to another root', { skip }, async (t) => {
  const a = new Berth();
  const b = new Berth();
  defer(t, () => a.teardown());
  defer(t, () => b.teardown());
  const cache = join(a.tmp, 'exported-cache');
  const dockerfile = 'FROM busybox\nCOPY f /f\nRUN echo ran-step && cp /f /g\nFROM busybox\nCOPY --from=0 /g /g\n';
  const epoch = ['--build-arg', 'SOURCE_DATE_EPOCH=1700000000'];
  const first = await a.run(['build', ...epoch, '--cache-to', `type=local,dest=${cache}`, '-q', context(a, { Dockerfile: dockerfile, f: 'payload\n' })]);
  assert.equal(first.code, 0, first.stderr);
  const ctxB = context(b, { Dockerfile: dockerfile, f: 'payload\n' });
  const second = await b.run(['build', ...epoch, '--cache-from', `type=local,src=${cache}`, ctxB]);
  assert.equal(second.code, 0, second.stderr);
  assert.doesNotMatch(second.stderr, /^#\d+ [\d.]+ ran-step$/m, 'the RUN came from the imported cache');
  assert.match(first.stderr + (await a.run(['build', '--no-cache', context(a, { Dockerfile: dockerfile, f: 'payload\n' })])).stderr, /^#\d+ [\d.]+ ran-step$/m, 'the pattern sees the output when it runs');
  assert.equal(cacheReport(second.stderr).ran.length, 0);
  const id = (await b.ok(['build', ...epoch, '-q', ctxB])).trim();
  assert.equal(id, first.stdout.trim(), 'the same image from the imported cache');
  assert.equal(await b.ok(['run', '--rm', '--network', 'none', id, 'cat', '/g']), 'payload\n');
  const bad = await b.run(['build', '--cache-from', 'type=s3,bucket=x', ctxB]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /unsupported cache type "s3" \(local, registry\)/);
});
