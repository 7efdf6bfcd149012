// berth run/create/start/stop/kill/rm/ps/logs/wait/inspect/exec through the real CLI, real
// conmon and a real OCI runtime (berth-runtime; runc where exec is needed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { isRoot } from '../../helpers/rootfs.ts';
import { assertNoLeaks, Berth, snapshot, waitFor } from './harness.ts';

const skip = !isRoot && 'needs root';

test('run --rm: output and docker exit codes', { skip }, async (t) => {
  const b = new Berth();
  t.after(() => b.teardown());
  const before = snapshot(b);
  const hello = await b.run(['run', '--rm', 'busybox', 'echo', 'hello']);
  assert.equal(hello.code, 0, hello.stderr);
  assert.equal(hello.stdout, 'hello\n');
  const both = await b.run(['run', '--rm', 'busybox', 'sh', '-c', 'echo to-out; echo to-err >&2; exit 3']);
  assert.equal(both.code, 3);
  assert.equal(both.stdout, 'to-out\n');
  assert.match(both.stderr, /to-err/);
  const missing = await b.run(['run', '--rm', 'busybox', 'no-such-command']);
  assert.equal(missing.code, 127, missing.stderr);
  const notExec = await b.run(['run', '--rm', 'busybox', '/etc/passwd']);
  assert.equal(notExec.code, 126, notExec.stderr);
  const unknownImage = await b.run(['run', '--rm', '--pull', 'never', 'berth-test-no-such-image:1', 'true']);
  assert.equal(unknownImage.code, 125);
  assert.match(unknownImage.stderr, /Unable to find image 'berth-test-no-such-image:1'/);
  const badFlag = await b.run(['run', '--no-such-flag', 'busybox']);
  assert.equal(badFlag.code, 125);
  // env, workdir, user, hostname, entrypoint, combined short flags and --flag=value
  const env = await b.run(['run', '--rm', '-e', 'A=1', '--env=B=two', '-w', '/tmp', '-u', 'nobody', '--hostname', 'berth-test-host',
    '--entrypoint', '/bin/sh', 'busybox', '-c', 'echo $A $B $(pwd) $(id -u) $(hostname) $(cat /etc/hostname)']);
  assert.equal(env.stdout, '1 two /tmp 65534 berth-test-host berth-test-host\n', env.stderr);
  const envFile = join(b.tmp, 'env');
  writeFileSync(envFile, '# comment\nFROM_FILE=yes\n');
  const ef = await b.ok(['run', '--rm', '--env-file', envFile, 'busybox', 'sh', '-c', 'echo $FROM_FILE']);
  assert.equal(ef, 'yes\n');
  // --rm left nothing: no container, mount, cgroup, netns, veth, rule, conmon, file or lease.
  assert.equal((await b.ok(['ps', '-aq'])).trim(), '');
  assertNoLeaks(b, before);
});

test('bad input fails cleanly with nothing half-created', { skip }, async (t) => {
  const b = new Berth();
  t.after(() => b.teardown());
  await b.ok(['create', '--name', 'berth-test-taken', 'busybox', 'true']);
  const taken = await b.run(['create', '--name', 'berth-test-taken', 'busybox', 'true']);
  assert.equal(taken.code, 125);
  assert.match(taken.stderr, /already in use/);
  const badMount = await b.run(['run', '--rm', '-v', 'relative/path:/x:zz', 'busybox', 'true']);
  assert.equal(badMount.code, 125);
  assert.match(badMount.stderr, /invalid mount spec/);
  const noSource = await b.run(['run', '--rm', '-v', `${b.tmp}/does-not-exist-dir/x:/x`, '--mount', 'type=bind,source=/no/such/berth-test,target=/y', 'busybox', 'true']);
  assert.equal(noSource.code, 125);
  assert.match(noSource.stderr, /does not exist/);
  const noRuntime = await b.run(['run', '--rm', '--runtime', '/no/such/berth-test-runtime', 'busybox', 'true']);
  assert.equal(noRuntime.code, 125);
  assert.match(noRuntime.stderr, /runtime .* not found/);
  // A port somebody holds on the host.
  const holder = createServer();
  await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r));
  t.after(() => holder.close());
  const port = (holder.address() as { port: number }).port;
  const inUse = await b.run(['run', '--rm', '-p', `127.0.0.1:${port}:80`, 'busybox', 'true']);
  assert.equal(inUse.code, 125);
  assert.match(inUse.stderr, new RegExp(String(port)));
  const ids = (await b.ok(['ps', '-a', '--format', '{{.Names}}'])).trim().split('\n');
  assert.deepEqual(ids, ['berth-test-taken']);
});

test('run -d, logs, exec, stop (TERM trapped; KILL after the timeout), rm', { skip }, async (t) => {
  const b = new Berth();
  t.after(() => b.teardown());
  const before = snapshot(b);
  const id = (await b.ok(['run', '-d', '--name', 'berth-test-d', '-l', 'suite=engine', 'busybox', 'sh', '-c',
    'echo started; echo warn >&2; trap "echo got TERM; exit 0" TERM; trap "exit 10" USR1; while true; do sleep 0.1; done'])).trim();
  assert.match(id, /^[0-9a-f]{64}$/);
  const ps = (await b.ok(['ps', '--format', 'json'])).trim().split('\n').map((l) => JSON.parse(l) as Record<string, string>);
  assert.equal(ps.length, 1);
  assert.equal(ps[0].Names, 'berth-test-d');
  assert.equal(ps[0].State, 'running');
  assert.equal((await b.ok(['ps', '-q', '--filter', 'label=suite=engine'])).trim(), id.slice(0, 12));
  assert.equal((await b.ok(['ps', '-q', '--filter', 'name=nomatch'])).trim(), '');
  // logs: stdout and stderr kept apart; -t adds RFC 3339 timestamps; --tail
  await waitFor(async () => (await b.run(['logs', 'berth-test-d'])).stdout.includes('started'));
  const logs = await b.run(['logs', 'berth-test-d']);
  assert.equal(logs.stdout, 'started\n');
  assert.equal(logs.stderr, 'warn\n');
  assert.match((await b.ok(['logs', '-t', '--tail', '1', 'berth-test-d'])), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+[+-Z][\d:]* started\n$|^$/);
  // exec: output, exit code, env, user, workdir
  const ex = await b.run(['exec', '-e', 'X=exec-env', '-u', 'nobody', '-w', '/tmp', 'berth-test-d', 'sh', '-c', 'echo $X $(id -u) $(pwd); exit 4']);
  assert.equal(ex.code, 4);
  assert.equal(ex.stdout, 'exec-env 65534 /tmp\n');
  assert.equal((await b.run(['exec', 'berth-test-d', 'no-such-command'])).code, 127);
  // exec -d through conmon: leaves a file behind
  await b.ok(['exec', '-d', 'berth-test-d', 'sh', '-c', 'echo detached > /tmp/exec-d']);
  await waitFor(async () => (await b.run(['exec', 'berth-test-d', 'cat', '/tmp/exec-d'])).stdout === 'detached\n');
  const ins = JSON.parse(await b.ok(['inspect', 'berth-test-d'])) as { State: { Running: boolean; Pid: number }; Config: { Labels: Record<string, string> } }[];
  assert.equal(ins[0].State.Running, true);
  assert.ok(ins[0].State.Pid > 0);
  assert.equal(ins[0].Config.Labels.suite, 'engine');
  // stop: SIGTERM is trapped and the container exits 0 by itself
  const t0 = Date.now();
  await b.ok(['stop', 'berth-test-d']);
  assert.ok(Date.now() - t0 < 8000, 'stopped on SIGTERM without waiting for the timeout');
  assert.match((await b.ok(['logs', 'berth-test-d'])), /got TERM/);
  assert.equal((await b.ok(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', 'berth-test-d'])).trim(), 'exited 0');
  // start again, then a container that ignores TERM: SIGKILL after -t 1
  await b.ok(['start', 'berth-test-d']);
  await b.ok(['exec', 'berth-test-d', 'true']);
  await b.ok(['run', '-d', '--name', 'berth-test-stubborn', 'busybox', 'sh', '-c', 'trap "" TERM; while true; do sleep 0.1; done']);
  await waitFor(async () => (await b.run(['exec', 'berth-test-stubborn', 'true'])).code === 0);
  const t1 = Date.now();
  await b.ok(['stop', '-t', '1', 'berth-test-stubborn']);
  const took = Date.now() - t1;
  assert.ok(took >= 900 && took < 8000, `stop -t 1 took ${took} ms`);
  assert.equal((await b.ok(['wait', 'berth-test-stubborn'])).trim(), '137');
  // kill -s (the container is pid 1 in its namespace: only trapped signals reach it), wait;
  // rm of a running container needs -f
  const rmRunning = await b.run(['rm', 'berth-test-d']);
  assert.notEqual(rmRunning.code, 0);
  assert.match(rmRunning.stderr, /cannot remove a running container/);
  const waiter = b.run(['wait', 'berth-test-d']);
  await b.ok(['kill', '-s', 'USR1', 'berth-test-d']);
  assert.equal((await waiter).stdout.trim(), '10');
  await b.ok(['rm', 'berth-test-d', 'berth-test-stubborn']);
  // --stop-signal and --stop-timeout are the container's defaults for stop.
  await b.ok(['run', '-d', '--name', 'berth-test-sig', '--stop-signal', 'SIGUSR1', '--stop-timeout', '30', 'busybox', 'sh', '-c',
    'trap "exit 42" USR1; while true; do sleep 0.1; done']);
  await waitFor(async () => (await b.run(['exec', 'berth-test-sig', 'true'])).code === 0);
  const t2 = Date.now();
  await b.ok(['stop', 'berth-test-sig']);
  assert.ok(Date.now() - t2 < 10_000);
  assert.equal((await b.ok(['inspect', '-f', '{{.State.ExitCode}}', 'berth-test-sig'])).trim(), '42');
  await b.ok(['rm', 'berth-test-sig']);
  // run -d --rm: conmon's exit command removes it once it exits.
  await b.ok(['run', '-d', '--rm', '--name', 'berth-test-gone', 'busybox', 'true']);
  await waitFor(async () => (await b.ok(['ps', '-aq', '--filter', 'name=berth-test-gone'])).trim() === '');
  assert.equal((await b.ok(['ps', '-aq'])).trim(), '');
  assertNoLeaks(b, before);
});

test('run -i pipes stdin; run -it through a pty', { skip }, async (t) => {
  const b = new Berth();
  t.after(() => b.teardown());
  const child = b.spawn(['run', '-i', '--rm', 'busybox', 'sh', '-c', 'tr a-z A-Z; echo done'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  child.stdin!.end('hello stdin\n');
  const code = await new Promise<number>((res) => child.on('close', (c) => res(c ?? -1)));
  assert.equal(code, 0);
  assert.equal(out, 'HELLO STDIN\ndone\n');
  // A terminal for real: python's pty module types into the shell once it prompts.
  const py = `
import os, pty, sys, time, select
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
buf = b''
def read_until(pat, t=20):
    global buf
    end = time.time() + t
    while pat not in buf and time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.2)
        if r:
            try: buf += os.read(fd, 4096)
            except OSError: break
read_until(b'# ')
os.write(fd, b'tty; exit 7\\r')
end = time.time() + 20
while time.time() < end:
    r, _, _ = select.select([fd], [], [], 0.2)
    if r:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        buf += chunk
_, st = os.waitpid(pid, 0)
sys.stdout.write(buf.decode('utf-8', 'replace'))
sys.exit(os.WEXITSTATUS(st))
`;
  const pr = spawnSync('python3', ['-c', py, process.execPath, ...b.argv(['run', '-it', '--rm', 'busybox', 'sh'])], { encoding: 'utf8', timeout: 120_000, env: b.env });
  assert.equal(pr.status, 7, pr.stdout + pr.stderr);
  assert.match(pr.stdout, /\/dev\/pts\/\d+/);
  // exec -it into a running container, through the runtime's own terminal handling
  await b.ok(['run', '-d', '--name', 'berth-test-tty', 'busybox', 'sleep', '60']);
  const ex = spawnSync('python3', ['-c', py, process.execPath, ...b.argv(['exec', '-it', 'berth-test-tty', 'sh'])], { encoding: 'utf8', timeout: 120_000, env: b.env });
  assert.equal(ex.status, 7, ex.stdout + ex.stderr);
  assert.match(ex.stdout, /\/dev\/pts\/\d+/);
});

test('create + start + attach-less lifecycle, rename, restart policy recorded', { skip }, async (t) => {
  const b = new Berth();
  t.after(() => b.teardown());
  mkdirSync(join(b.tmp, 'bind'));
  writeFileSync(join(b.tmp, 'bind', 'f'), 'from-host\n');
  const id = (await b.ok(['create', '--name', 'berth-test-c', '--restart', 'on-failure:2', '-v', `${join(b.tmp, 'bind')}:/host:ro`, 'busybox', 'cat', '/host/f'])).trim();
  assert.equal((await b.ok(['inspect', '-f', '{{.State.Status}} {{.HostConfig.RestartPolicy.Name}} {{.HostConfig.RestartPolicy.MaximumRetryCount}}', id])).trim(), 'created on-failure 2');
  await b.ok(['rename', 'berth-test-c', 'berth-test-renamed']);
  await b.ok(['start', 'berth-test-renamed']);
  assert.equal((await b.ok(['wait', 'berth-test-renamed'])).trim(), '0');
  assert.equal(await b.ok(['logs', 'berth-test-renamed']), 'from-host\n');
  // start -a streams the new run's output only; the log keeps both runs
  const again = await b.run(['start', '-a', 'berth-test-renamed']);
  assert.equal(again.code, 0);
  assert.equal(again.stdout, 'from-host\n');
  assert.equal(await b.ok(['logs', 'berth-test-renamed']), 'from-host\nfrom-host\n');
});
