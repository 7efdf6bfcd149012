// The rest of the CLI against real containers: pulling from a local registry with --pull,
// other runtimes (runc, crun), restart policies, following a rotated log, attach, cp, top,
// stats, system df/prune, info/version.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isRoot } from '../../helpers/rootfs.ts';
import { buildOciLayout, skopeoPush } from '../../helpers/images.ts';
import { startRegistry } from '../../helpers/registry.ts';
import { assertNoLeaks, Berth, snapshot, waitFor } from './harness.ts';
import { defer, killOnEnd } from '../../helpers/cleanup.ts';

const skip = !isRoot && 'needs root';

test('--pull never|missing|always against a local registry', { skip }, async (t) => {
  const b = new Berth();
  const reg = await startRegistry();
  t.after(async () => { await b.teardown(); await reg.stop(); });
  const layout = buildOciLayout(join(b.tmp, 'layout'), { tag: 'v1' });
  await skopeoPush(layout, `${reg.host}/berth-test/box:v1`);
  const ref = `${reg.host}/berth-test/box:v1`;
  const never = await b.run(['run', '--rm', '--pull', 'never', ref, 'true']);
  assert.equal(never.code, 125);
  assert.match(never.stderr, /Unable to find image/);
  assert.equal(await b.ok(['run', '--rm', ref, 'cat', '/etc/berth-platform']), 'linux/amd64\n');
  assert.equal(await b.ok(['run', '--rm', '--pull', 'never', ref, 'echo', 'cached']), 'cached\n');
  assert.equal(await b.ok(['run', '--rm', '--pull', 'always', '--platform', 'linux/amd64', ref, 'echo', 'again']), 'again\n');
  await reg.stop();
  assert.equal((await b.run(['run', '--rm', '--pull', 'always', ref, 'true'])).code, 125);
});

test('--runtime runc runs the same containers', { skip }, async (t) => {
  const b = new Berth();
  t.after(() => b.teardown());
  // crun 1.8 (Debian 12) refuses this host's hybrid cgroup layout, so only runc here.
  for (const rt of ['runc']) {
    if (spawnSync(rt, ['--version']).status !== 0) continue;
    assert.equal(await b.ok(['run', '--rm', '--runtime', rt, 'busybox', 'sh', '-c', 'echo $0 ok; exit 0', rt]), `${rt} ok\n`);
    assert.equal((await b.run(['run', '--rm', '--runtime', rt, 'busybox', 'sh', '-c', 'exit 5'])).code, 5);
  }
  // runc also makes the container's cgroup in the hybrid host's cgroup2 mount: with the last
  // container gone, the parent is gone there too (not only in the v1 hierarchies).
  for (const ctrl of readdirSync('/sys/fs/cgroup')) {
    assert.ok(!existsSync(join('/sys/fs/cgroup', ctrl, b.cgroupParent)), `${ctrl}/${b.cgroupParent} left`);
  }
});

test('restart policies: on-failure:N retries N times, always until stopped', { skip }, async (t) => {
  const b = new Berth();
  t.after(() => b.teardown());
  await b.ok(['run', '-d', '--name', 'berth-test-flaky', '--restart', 'on-failure:2', 'busybox', 'sh', '-c', 'echo try; exit 1']);
  await waitFor(async () => (await b.ok(['inspect', '-f', '{{.RestartCount}} {{.State.Status}}', 'berth-test-flaky'])).trim() === '2 exited');
  assert.equal(await b.ok(['logs', 'berth-test-flaky']), 'try\ntry\ntry\n');
  await b.ok(['run', '-d', '--name', 'berth-test-always', '--restart', 'always', 'busybox', 'sh', '-c', 'sleep 0.2']);
  await waitFor(async () => Number((await b.ok(['inspect', '-f', '{{.RestartCount}}', 'berth-test-always'])).trim()) >= 2);
  await b.ok(['stop', 'berth-test-always']);
  const n = (await b.ok(['inspect', '-f', '{{.RestartCount}} {{.State.Status}}', 'berth-test-always'])).trim();
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal((await b.ok(['inspect', '-f', '{{.RestartCount}} {{.State.Status}}', 'berth-test-always'])).trim(), n);
  assert.match(n, / exited$/);
});

test('logs -f follows across log rotation (--log-opt max-size)', { skip }, async (t) => {
  const b = new Berth();
  t.after(() => b.teardown());
  // The lines start once the reader has the log open (the test then creates /sig/go), not after
  // a fixed delay: a reader that came late would find the first lines rotated away.
  const sig = join(b.tmp, 'chatty-sig');
  mkdirSync(sig);
  await b.ok(['run', '-d', '--name', 'berth-test-chatty', '--log-opt', 'max-size=2k', '-v', `${sig}:/sig`, 'busybox', 'sh', '-c',
    // Paced, so that each rotated file lives for a few polls of the reader (conmon keeps no
    // rotated files: a burst that fills several files between two polls is lost by design).
    'while [ ! -e /sig/go ]; do sleep 0.1; done; i=0; while [ $i -lt 200 ]; do echo "line $i"; i=$((i+1)); usleep 10000; done; sleep 0.5']);
  const logPath = (JSON.parse(await b.ok(['inspect', 'berth-test-chatty'])) as { LogPath: string }[])[0].LogPath;
  const follower = b.spawn(['logs', '-f', 'berth-test-chatty'], { stdio: ['ignore', 'pipe', 'pipe'] });
  killOnEnd(t, follower);
  let stdout = '';
  follower.stdout!.on('data', (d: Buffer) => { stdout += d; });
  const code = new Promise<number | null>((res) => follower.on('close', (c) => res(c)));
  const reading = () => readdirSync(`/proc/${follower.pid}/fd`).some((fd) => {
    try { return readlinkSync(`/proc/${follower.pid}/fd/${fd}`) === logPath; } catch { return false; }
  });
  await waitFor(async () => { try { return reading(); } catch { return true; } }); // (gone: its code tells)
  writeFileSync(join(sig, 'go'), '');
  assert.equal(await code, 0);
  const lines = stdout.split('\n').filter(Boolean);
  // Every line, in order, although the file was replaced many times underneath the reader.
  assert.deepEqual(lines, Array.from({ length: 200 }, (_, i) => `line ${i}`));
  const inspect = JSON.parse(await b.ok(['inspect', 'berth-test-chatty'])) as { LogPath: string }[];
  assert.ok(readFileSync(inspect[0].LogPath).length <= 4096, 'rotated log stays small');
});

test('attach, cp, top, stats, system df/prune, info, version', { skip }, async (t) => {
  const b = new Berth();
  defer(t, () => b.teardown());
  const before = snapshot(b);
  await b.ok(['run', '-d', '-i', '--name', 'berth-test-att', 'busybox', 'sh', '-c', 'while read l; do echo "got $l"; done; echo eof; exit 3']);
  const att = b.spawn(['attach', 'berth-test-att'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  att.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  await new Promise((r) => setTimeout(r, 500));
  att.stdin!.write('one\n');
  att.stdin!.end('two\n');
  const code = await new Promise<number>((res) => att.on('close', (c) => res(c ?? -1)));
  assert.equal(out, 'got one\ngot two\neof\n');
  assert.equal(code, 3);
  // cp both ways; a symlink in the container cannot lead the copy out of it
  await b.ok(['run', '-d', '--name', 'berth-test-files', 'busybox', 'sh', '-c', 'ln -s / /escape; echo inside > /inside.txt; sleep 60']);
  await waitFor(async () => (await b.run(['exec', 'berth-test-files', 'test', '-L', '/escape'])).code === 0);
  writeFileSync(join(b.tmp, 'host.txt'), 'from-host\n');
  await b.ok(['cp', join(b.tmp, 'host.txt'), 'berth-test-files:/tmp/']);
  assert.equal(await b.ok(['exec', 'berth-test-files', 'cat', '/tmp/host.txt']), 'from-host\n');
  // /escape points at the container's root, not the host's: the file lands in the container.
  const name = `berth-test-escaped-${process.pid}.txt`;
  await b.ok(['cp', join(b.tmp, 'host.txt'), `berth-test-files:/escape/tmp/${name}`]);
  assert.equal(spawnSync('test', ['-e', join('/tmp', name)]).status, 1, 'copied through the symlink onto the host');
  assert.equal(await b.ok(['exec', 'berth-test-files', 'cat', `/tmp/${name}`]), 'from-host\n');
  await b.ok(['cp', 'berth-test-files:/inside.txt', join(b.tmp, 'out.txt')]);
  assert.equal(readFileSync(join(b.tmp, 'out.txt'), 'utf8'), 'inside\n');
  const top = await b.ok(['top', 'berth-test-files']);
  assert.match(top, /PID/);
  assert.match(top, /sleep 60/);
  assert.doesNotMatch(top, /node/);
  const stats = JSON.parse((await b.ok(['stats', '--no-stream', '--format', 'json', 'berth-test-files'])).trim()) as { Name: string; PIDs: string; MemUsage: string };
  assert.equal(stats.Name, 'berth-test-files');
  assert.ok(Number(stats.PIDs) >= 1);
  assert.match(stats.MemUsage, /iB \/ /);
  // Without --no-stream: a frame about every second, each after a screen clear, until SIGINT.
  const live = b.spawn(['stats', '--format', '{{.Name}} {{.PIDs}}', 'berth-test-files']);
  killOnEnd(t, live);
  let frames = '';
  live.stdout!.on('data', (d) => (frames += d));
  const liveDone = new Promise<number | null>((r) => live.on('close', (code) => r(code)));
  await waitFor(async () => frames.split('\x1b[2J\x1b[H').filter((f) => /^berth-test-files [1-9]/.test(f)).length >= 2, 60_000);
  live.kill('SIGINT');
  assert.equal(await liveDone, 0);
  assert.match(await b.ok(['system', 'df']), /Containers\s+2\s+1/);
  assert.match(await b.ok(['info']), /ContainersRunning: 1/);
  assert.match(await b.ok(['version']), /Version/);
  await b.ok(['network', 'create', 'berth-test-unused']);
  await b.ok(['rm', '-f', 'berth-test-files']);
  const pruned = await b.ok(['system', 'prune', '-f', '--volumes']);
  assert.match(pruned, /Deleted Containers:\n[0-9a-f]{64}\n/);
  assert.match(pruned, /Deleted Networks:\nberth-test-unused\n/);
  assert.equal((await b.ok(['ps', '-aq'])).trim(), '');
  const events = await b.ok(['events', '--since', '10m', '--until', '0s', '--filter', 'container=berth-test-files']);
  assert.deepEqual(events.trim().split('\n').map((l) => l.split(' ')[2]), ['create', 'connect', 'start', 'die', 'destroy']);
  assertNoLeaks(b, before);
});

test('a start failing after conmon was started (the rootfs will not mount) leaves nothing behind', { skip }, async (t) => {
  const b = new Berth();
  t.after(() => b.teardown());
  const before = snapshot(b);
  const id = (await b.ok(['create', '--network', 'none', 'busybox', 'true'])).trim();
  // conmon starts first, while the rootfs mounts: make that mount fail (its overlay workdir gone).
  const rootfs = join(b.root, 'containers', id, 'rootfs');
  const line = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').find((l) => l.split(' ')[4] === rootfs);
  const workdir = /workdir=([^,\s]+)/.exec(line ?? '')?.[1];
  assert.ok(workdir, 'the rootfs is an overlay with a workdir');
  assert.equal(spawnSync('umount', [rootfs]).status, 0);
  rmSync(workdir, { recursive: true, force: true });
  const r = await b.run(['start', id]);
  assert.equal(r.code, 1, r.stderr); // docker start's status for a container that failed to start
  assert.match(r.stderr, /overlay|workdir|mount/i);
  // The relayed create was aborted: conmon and the relay are gone, and so is the relay's socket.
  await waitFor(async () => spawnSync('pgrep', ['-f', `conmon.*${id.slice(0, 16)}`]).status !== 0);
  assert.ok(!existsSync(join(b.runRoot, 'relay', `${id.slice(0, 16)}.sock`)));
  assert.match(await b.ok(['ps', '-a', '--format', '{{.Status}}', '--filter', `id=${id}`]), /Created/);
  await b.ok(['rm', id]);
  assertNoLeaks(b, before);
});

test('pause and unpause: the cgroup freezes, output stops, exec is refused; stop and rm -f of a paused container', { skip }, async (t) => {
  const b = new Berth();
  t.after(() => b.teardown());
  const before = snapshot(b);
  const id = (await b.ok(['run', '-d', '--name', 'berth-test-pz', '--network', 'none', 'busybox', 'sh', '-c', 'while true; do echo tick; sleep 0.05; done'])).trim();
  const ticks = async () => (await b.ok(['logs', 'berth-test-pz'])).split('\n').filter((l) => l === 'tick').length;
  await waitFor(async () => (await ticks()) > 2);
  assert.equal((await b.ok(['pause', 'berth-test-pz'])).trim(), 'berth-test-pz');
  // cgroup v1 here: the freezer hierarchy (on a v2 host the runtime writes cgroup.freeze instead).
  const v1 = existsSync('/sys/fs/cgroup/freezer/cgroup.procs');
  const freezer = join('/sys/fs/cgroup/freezer', b.cgroupParent, id, 'freezer.state');
  if (v1) assert.equal(readFileSync(freezer, 'utf8').trim(), 'FROZEN');
  // Lines written just before the freeze can reach the log a little later (conmon copies them
  // from the pipe): first the count holds still (it never would while the ticker ran), then it
  // must not move for a second.
  let frozenAt = await ticks();
  await waitFor(async () => {
    await new Promise((r) => setTimeout(r, 300));
    const n = await ticks();
    const still = n === frozenAt;
    frozenAt = n;
    return still;
  }, 60_000).catch(() => assert.fail('the output never stopped while paused'));
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal(await ticks(), frozenAt, 'no output while paused');
  assert.match(await b.ok(['ps', '--format', '{{.Names}} {{.Status}}']), /berth-test-pz Up .* \(Paused\)/);
  assert.equal((await b.ok(['ps', '-q', '--filter', 'status=paused'])).trim(), id.slice(0, 12));
  assert.equal((await b.ok(['ps', '-q', '--filter', 'status=running'])).trim(), '');
  assert.equal((await b.ok(['inspect', '-f', '{{.State.Paused}} {{.State.Status}}', 'berth-test-pz'])).trim(), 'true paused');
  const exec = await b.run(['exec', 'berth-test-pz', 'true']);
  assert.notEqual(exec.code, 0);
  assert.match(exec.stderr, /is paused, unpause the container before exec/);
  assert.match((await b.run(['pause', 'berth-test-pz'])).stderr, /already paused/);
  await b.ok(['unpause', 'berth-test-pz']);
  await waitFor(async () => (await ticks()) > frozenAt);
  if (v1) assert.equal(readFileSync(freezer, 'utf8').trim(), 'THAWED');
  assert.match((await b.run(['unpause', 'berth-test-pz'])).stderr, /not paused/);
  // A paused container still stops (thawed for its stop signal) and is force-removed.
  await b.ok(['pause', 'berth-test-pz']);
  await b.ok(['stop', '-t', '1', 'berth-test-pz']);
  assert.match(await b.ok(['ps', '-a', '--format', '{{.Status}}', '--filter', 'name=berth-test-pz']), /Exited \(137\)/);
  await b.ok(['start', 'berth-test-pz']);
  await b.ok(['pause', 'berth-test-pz']);
  await b.ok(['rm', '-f', 'berth-test-pz']);
  const events = await b.ok(['events', '--since', '10m', '--until', '0s', '--filter', 'container=berth-test-pz']);
  assert.deepEqual(events.trim().split('\n').map((l) => l.split(' ')[2]).filter((a) => a === 'pause' || a === 'unpause'), ['pause', 'unpause', 'pause', 'pause']);
  assertNoLeaks(b, before);
});

test('update: limits of a running container change at once (cgroup files, inspect), of a stopped one at its next start', { skip }, async (t) => {
  const b = new Berth();
  t.after(() => b.teardown());
  const before = snapshot(b);
  const id = (await b.ok(['run', '-d', '--name', 'berth-test-up', '--network', 'none', 'busybox', 'sleep', '1000'])).trim();
  const cg = (ctrl: string, file: string) => readFileSync(join('/sys/fs/cgroup', ctrl, b.cgroupParent, id, file), 'utf8').trim();
  const v1 = existsSync('/sys/fs/cgroup/memory/cgroup.procs');
  assert.equal((await b.ok(['update', '--memory', '48m', '--pids-limit', '40', '--cpus', '0.5', 'berth-test-up'])).trim(), 'berth-test-up');
  if (v1) {
    assert.equal(cg('memory', 'memory.limit_in_bytes'), String(48 << 20));
    assert.equal(cg('pids', 'pids.max'), '40');
    assert.equal(cg('cpu', 'cpu.cfs_quota_us'), '50000');
  }
  assert.equal((await b.ok(['inspect', '-f', '{{.HostConfig.Memory}} {{.HostConfig.PidsLimit}} {{.HostConfig.NanoCpus}}', 'berth-test-up'])).trim(), `${48 << 20} 40 500000000`);
  await b.ok(['update', '--pids-limit', '-1', '--restart', 'on-failure:3', 'berth-test-up']);
  if (v1) assert.equal(cg('pids', 'pids.max'), 'max');
  assert.equal((await b.ok(['inspect', '-f', '{{.HostConfig.RestartPolicy.Name}}:{{.HostConfig.RestartPolicy.MaximumRetryCount}}', 'berth-test-up'])).trim(), 'on-failure:3');
  // Refused, and nothing changed: swap below memory, no flags at all.
  assert.match((await b.run(['update', '--memory', '64m', '--memory-swap', '32m', 'berth-test-up'])).stderr, /memoryswap limit should be larger/);
  assert.equal((await b.run(['update', 'berth-test-up'])).code, 125);
  if (v1) assert.equal(cg('memory', 'memory.limit_in_bytes'), String(48 << 20));
  await b.ok(['stop', '-t', '0', 'berth-test-up']);
  await b.ok(['update', '--memory', '32m', 'berth-test-up']);
  await b.ok(['start', 'berth-test-up']);
  if (v1) assert.equal(cg('memory', 'memory.limit_in_bytes'), String(32 << 20));
  await b.ok(['rm', '-f', 'berth-test-up']);
  assertNoLeaks(b, before);
});

test('export: the container filesystem as a tar, to a file or a pipe; never to a terminal', { skip }, async (t) => {
  const b = new Berth();
  t.after(() => b.teardown());
  await b.ok(['run', '--name', 'berth-test-ex', '--network', 'none', 'busybox', 'sh', '-c', 'echo made > /made.txt; mkdir -p /d/e; ln -s /made.txt /d/e/link; rm /bin/ls']);
  const out = join(b.tmp, 'ex.tar');
  await b.ok(['export', '-o', out, 'berth-test-ex']);
  const list = spawnSync('tar', ['-tvf', out], { encoding: 'utf8' }).stdout;
  assert.match(list, /\.\/made\.txt/);
  assert.match(list, /\.\/d\/e\/link -> \/made\.txt/);
  assert.match(list, /\.\/bin\/busybox/);
  assert.doesNotMatch(list, /\.\/bin\/ls\b/, 'a file the container deleted is not exported');
  assert.equal(spawnSync('tar', ['-xOf', out, './made.txt'], { encoding: 'utf8' }).stdout, 'made\n');
  // To stdout (a pipe here): the same archive, whole, even through a reader slower than tar (a
  // loaded machine): the CLI once exited with the archive's tail still queued in its stdout.
  const slowReader = "process.stdin.on('data', (d) => { process.stdin.pause(); process.stdout.write(d, () => setTimeout(() => process.stdin.resume(), 5)); })";
  const piped = spawnSync('bash', ['-c', 'set -o pipefail; "$@" export berth-test-ex | "$NODE" -e "$SLOW" | tar -tf -', 'x', process.execPath, ...b.argv([])],
    { env: { ...b.env, NODE: process.execPath, SLOW: slowReader }, encoding: 'utf8' });
  assert.equal(piped.status, 0, piped.stderr);
  assert.equal(piped.stdout, spawnSync('tar', ['-tf', out], { encoding: 'utf8' }).stdout);
  const tty = spawnSync('script', ['-qec', [process.execPath, ...b.argv(['export', 'berth-test-ex'])].map((a) => `'${a}'`).join(' '), '/dev/null'], { env: b.env, encoding: 'utf8' });
  assert.match(tty.stdout, /cowardly refusing to save to a terminal/);
  const missing = await b.run(['export', 'no-such-container']);
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /No such container/i);
});

test('commit: a new image from the changes, with whiteouts and opaque directories as OCI layers', { skip }, async (t) => {
  const b = new Berth();
  t.after(() => b.teardown());
  const before = snapshot(b);
  await b.ok(['run', '--name', 'berth-test-c1', '--network', 'none', 'busybox', 'sh', '-c', 'mkdir /data; echo a > /data/a; echo b > /data/b; echo made > /made.txt; rm /bin/ls']);
  const id1 = (await b.ok(['commit', '-m', 'first', 'berth-test-c1', 'localhost/berth-test/committed:one'])).trim();
  assert.match(id1, /^sha256:[0-9a-f]{64}$/);
  // The second commit replaces a directory the first image has: overlayfs makes it opaque.
  await b.ok(['run', '--name', 'berth-test-c2', '--network', 'none', '-w', '/data', 'localhost/berth-test/committed:one', 'sh', '-c', 'cd /; rm -rf /data; mkdir /data; echo new > /data/new; rm /made.txt']);
  await b.ok(['commit', '--author', 'tester', 'berth-test-c2', 'localhost/berth-test/committed:two']);
  const one = await b.ok(['run', '--rm', '--network', 'none', 'localhost/berth-test/committed:one', 'sh', '-c', 'cat /made.txt; ls /data; ls /bin/ls 2>&1 || true']);
  assert.equal(one, 'made\na\nb\nls: /bin/ls: No such file or directory\n');
  const two = await b.ok(['run', '--rm', '--network', 'none', 'localhost/berth-test/committed:two', 'sh', '-c', 'ls /data; ls /made.txt 2>&1 || true; pwd']);
  assert.equal(two, 'new\nls: /made.txt: No such file or directory\n/data\n', 'opaque /data, whiteout of /made.txt, the container\'s -w as WorkingDir');
  const hist = JSON.parse(await b.ok(['image', 'inspect', 'localhost/berth-test/committed:two'])) as { RootFS: { Layers: string[] }; Author?: string }[];
  assert.equal(hist[0].RootFS.Layers.length, 3, 'the busybox layer and one per commit');
  assert.equal(hist[0].Author, 'tester');
  // A running container is paused while its changes are read, then runs on.
  await b.ok(['run', '-d', '--name', 'berth-test-c3', '--network', 'none', 'busybox', 'sh', '-c', 'echo live > /live; sleep 1000']);
  await waitFor(async () => (await b.run(['exec', 'berth-test-c3', 'cat', '/live'])).stdout === 'live\n');
  await b.ok(['commit', 'berth-test-c3', 'localhost/berth-test/committed:live']);
  assert.equal((await b.ok(['inspect', '-f', '{{.State.Status}} {{.State.Paused}}', 'berth-test-c3'])).trim(), 'running false');
  assert.equal(await b.ok(['run', '--rm', '--network', 'none', 'localhost/berth-test/committed:live', 'cat', '/live']), 'live\n');
  assert.match((await b.run(['commit', 'berth-test-c3'])).stderr, /REPOSITORY\[:TAG\] is required/);
  await b.ok(['rm', '-f', 'berth-test-c1', 'berth-test-c2', 'berth-test-c3']);
  assertNoLeaks(b, before);
});
