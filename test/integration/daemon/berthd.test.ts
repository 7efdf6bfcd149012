// berthd (`berth system service`) and the native `berth` client (build/berth-client): commands
// run in the daemon's warm workers with the client's streams, environment, working directory
// and exit status; signals reach them; anything the daemon cannot serve runs in the plain CLI.
// BERTH_DAEMON_REQUIRED=1 makes the client fail instead of falling back, so these tests know
// which path ran.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { isRoot, makeTemp, removeTemp } from '../../helpers/rootfs.ts';
import { assertNoLeaks, Berth, BERTH_MAIN, snapshot, TOP, waitFor } from '../engine/harness.ts';
import { killOnEnd } from '../../helpers/cleanup.ts';

const CLIENT = join(TOP, 'build/berth-client');
const skip = !isRoot ? 'needs root' : !BERTH_MAIN.endsWith('dist/berth.mjs') || !existsSync(CLIENT) ? 'needs the build (scripts/build.sh)' : false;

let b: Berth;
let tmp: string;
let daemon: ChildProcess | undefined;
let socket: string;

interface Out { code: number | null; signal: string | null; stdout: string; stderr: string }

function clientEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...b.env, BERTH_DAEMON_SOCKET: socket, BERTH_DAEMON_REQUIRED: '1', ...extra };
}

function globals(): string[] {
  return ['--root', b.root, '--run-root', b.runRoot, '--runtime', b.runtime];
}

/** The client, spawned from Node: its stdio are sockets, which it relays. */
function client(args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<Out> {
  return new Promise((resolve) => {
    const c = spawn(CLIENT, [...globals(), ...args], { env: opts.env ?? clientEnv(), cwd: opts.cwd });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d) => (stdout += d));
    c.stderr.on('data', (d) => (stderr += d));
    // A command served quickly may be done before its input is written (EPIPE): not an error.
    c.stdin.on('error', () => {});
    c.stdin.end(opts.input ?? '');
    c.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Starts a daemon for `script`; resolves once a command is served by it. */
async function startDaemon(script: string, sock: string, env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  const d = spawn(script, ['system', 'service', '--socket', sock, '--workers', '2', '--docker-socket', ''], { env: { ...process.env, BERTH_DAEMON_SOCKET: '' }, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  d.stderr!.on('data', (x) => (log += x));
  await waitFor(async () => {
    if (d.exitCode !== null) throw new Error(`berthd exited ${d.exitCode}: ${log}`);
    return spawnSync(CLIENT, ['version'], { env: { ...env, BERTH_DAEMON_SOCKET: sock, BERTH_DAEMON_REQUIRED: '1' } }).status === 0;
  }, 20_000);
  return d;
}

async function stopDaemon(d: ChildProcess): Promise<number | null> {
  if (d.exitCode !== null) return d.exitCode;
  const done = new Promise<number | null>((r) => d.once('exit', (code) => r(code)));
  d.kill('SIGTERM');
  return done;
}

/** The daemon's worker processes (its children). */
function workersOf(pid: number): number[] {
  const out: number[] = [];
  for (const task of execFileSync('ls', [`/proc/${pid}/task`], { encoding: 'utf8' }).split('\n').filter(Boolean)) {
    try {
      out.push(...readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(' ').filter(Boolean).map(Number));
    } catch { /* thread gone */ }
  }
  return out;
}

const alive = (pid: number) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch { return false; }
};

before(async () => {
  if (skip) return;
  b = new Berth();
  tmp = makeTemp('berth-test-berthd-');
  socket = join(tmp, 'berthd.sock');
  await b.ok(['image', 'build-busybox']);
  daemon = await startDaemon(BERTH_MAIN, socket, b.env);
});

after(async () => {
  if (daemon) await stopDaemon(daemon);
  await b?.teardown();
  if (tmp) removeTemp(tmp);
});

test('through berthd: exit codes, separate stdout and stderr, stdin, berth\'s own errors', { skip }, async () => {
  const before = snapshot(b);
  const both = await client(['run', '--rm', '--network', 'none', 'busybox', 'sh', '-c', 'echo to-out; echo to-err >&2; exit 3']);
  assert.deepEqual([both.code, both.stdout, both.stderr], [3, 'to-out\n', 'to-err\n']);
  const cat = await client(['run', '-i', '--rm', '--network', 'none', 'busybox', 'cat'], { input: 'line one\nline two\n' });
  assert.deepEqual([cat.code, cat.stdout], [0, 'line one\nline two\n'], cat.stderr);
  const missing = await client(['run', '--rm', 'no-such-image-here:v0', 'true']);
  assert.equal(missing.code, 125);
  assert.match(missing.stderr, /no-such-image-here/);
  const info = await client(['info']);
  assert.match(info.stdout, /Daemon: berthd at .* \(this command ran in a warm worker\)/);
  const notCmd = await client(['no-such-command']);
  assert.equal(notCmd.code, 125);
  assert.match(notCmd.stderr, /not a berth command/);
  assertNoLeaks(b, before);
});

test('through berthd: shell pipes and redirections, the working directory, the environment', { skip }, async () => {
  const g = globals().join(' '); // temp paths: no spaces
  const script = [
    'set -e',
    `B="${CLIENT} ${g}"`,
    '$B run --rm --network none busybox echo one > out.txt', // a new file: relayed (shared offset)
    'echo two >> out.txt',
    '$B run --rm --network none busybox echo three >> out.txt', // append: reopened
    '$B run --rm --network none busybox echo four | cat >> out.txt', // an anonymous pipe
    'echo five | $B run -i --rm --network none busybox cat >> out.txt',
    '{ $B run --rm --network none busybox echo six; echo seven; } >> out.txt',
    '{ $B run --rm --network none busybox echo a; echo b; } > seq.txt', // the offset moves for "b"
    '$B save -o rel.tar busybox', // relative to the client's working directory
  ].join('\n');
  const r = spawnSync('bash', ['-c', script], { cwd: tmp, env: clientEnv(), encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(readFileSync(join(tmp, 'out.txt'), 'utf8'), 'one\ntwo\nthree\nfour\nfive\nsix\nseven\n');
  assert.equal(readFileSync(join(tmp, 'seq.txt'), 'utf8'), 'a\nb\n');
  assert.ok(existsSync(join(tmp, 'rel.tar')), 'save -o wrote into the client\'s directory');
  // The client's environment, not the daemon's: roots from BERTH_ROOT / BERTH_RUN_ROOT.
  await b.ok(['create', '--name', 'berthd-env-check', '--network', 'none', 'busybox', 'true']);
  const ps = spawnSync(CLIENT, ['ps', '-a', '--format', '{{.Names}}'], { env: { ...clientEnv(), BERTH_ROOT: b.root, BERTH_RUN_ROOT: b.runRoot }, encoding: 'utf8' });
  assert.equal(ps.status, 0, ps.stderr);
  assert.match(ps.stdout, /^berthd-env-check$/m);
  await b.ok(['rm', 'berthd-env-check']);
});

test('read-only commands run in berthd\'s own process: the plain CLI\'s output and status, no worker used', { skip }, async () => {
  await b.ok(['create', '--name', 'berthd-ro', '--label', 'k=v', '--network', 'none', 'busybox', 'true']);
  const plainEnv = { ...b.env, BERTH_NO_DAEMON: '1' };
  // The daemon's own BERTH_* and XDG_* (it has no BERTH_CGROUP_PARENT): with any of them
  // different, a worker serves the command (the env check of the berthd-env-check test above).
  const env = clientEnv();
  delete env.BERTH_CGROUP_PARENT;
  const commands = [
    ['ps', '-a', '--format', '{{.ID}} {{.Names}} {{.Status}} {{.Labels}}'],
    ['container', 'ls', '-a', '-q', '--no-trunc'],
    ['inspect', 'berthd-ro'],
    ['container', 'inspect', '--format', '{{.Name}} {{.Config.Labels}}', 'berthd-ro'],
    ['images', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}'],
    ['image', 'inspect', 'busybox'],
    ['inspect', 'no-such-object-here'], // exit 1, an error on stderr
    ['ps', '--filter', 'bogus=1'], // a bad filter: berth's own error
  ];
  const workers = workersOf(daemon!.pid!).sort();
  for (const cmd of commands) {
    const served = await client(cmd, { env });
    const plain = spawnSync(CLIENT, [...globals(), ...cmd], { env: plainEnv, encoding: 'utf8' });
    assert.deepEqual([served.code, served.stdout, served.stderr], [plain.status, plain.stdout, plain.stderr], cmd.join(' '));
  }
  assert.ok(commands.length > 0 && workers.length > 0);
  // A worker serves one command and exits: the same workers are still there, none was used.
  assert.deepEqual(workersOf(daemon!.pid!).sort(), workers);
  // Into a file through a shell (the client reopens or relays its streams as for a worker).
  const r = spawnSync('bash', ['-c', `${CLIENT} ${globals().join(' ')} inspect --format '{{.Name}}' berthd-ro > ro.txt; ${CLIENT} ${globals().join(' ')} inspect nope >/dev/null 2>> ro.txt; echo $?`], { cwd: tmp, env, encoding: 'utf8' });
  assert.equal(r.stdout, '1\n', r.stderr);
  assert.equal(readFileSync(join(tmp, 'ro.txt'), 'utf8'), '/berthd-ro\nError: No such object: nope\n');
  // A size (-s) is a worker's: one of them is used.
  const sized = await client(['ps', '-a', '-s', '--format', '{{.Names}}'], { env });
  assert.equal(sized.code, 0, sized.stderr);
  assert.match(sized.stdout, /^berthd-ro$/m);
  assert.notDeepEqual(workersOf(daemon!.pid!).sort(), workers);
  await b.ok(['rm', 'berthd-ro']);
});

test('a served command writing to a pipe nobody reads stalls neither berthd nor its other clients; a signal ends its client', { skip }, async (t) => {
  await b.ok(['create', '--name', 'berthd-big', '--network', 'none', 'busybox', 'true']);
  const env = clientEnv();
  delete env.BERTH_CGROUP_PARENT; // as berthd's: served in its process (the test above)
  const pidFile = join(tmp, 'reader.pid');
  // stdout: a pipe to a `sleep` that never reads (the client execs over bash, keeping its pid);
  // 300 inspect documents are far more than a pipe holds.
  const refs = Array(300).fill('berthd-big').join(' ');
  const workers = workersOf(daemon!.pid!).sort();
  const fds = () => readdirSync(`/proc/${daemon!.pid}/fd`).length;
  const fdsBefore = fds();
  const c = spawn('bash', ['-c', `exec 3> >(exec sleep 600); echo $! > ${pidFile}; exec ${CLIENT} ${globals().join(' ')} inspect ${refs} >&3 3>&-`], { env, stdio: 'ignore' });
  t.after(() => {
    try { process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGKILL'); } catch { /* gone */ }
    c.kill('SIGKILL');
  });
  const exited = new Promise<string | null>((r) => c.once('exit', (_code, signal) => r(signal)));
  await waitFor(async () => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== '');
  await new Promise((r) => setTimeout(r, 500)); // the command runs and fills the pipe
  assert.equal(c.exitCode, null, 'the client waits while berthd cannot write');
  const ps = await client(['ps', '-a', '--format', '{{.Names}}'], { env });
  assert.equal(ps.code, 0, ps.stderr);
  assert.match(ps.stdout, /^berthd-big$/m);
  c.kill('SIGINT');
  assert.equal(await exited, 'SIGINT');
  // The client gone (its reader still there, reading nothing): berthd drops the rest of the
  // output and closes the streams it opened, as a worker would have been killed with its client.
  await waitFor(async () => fds() <= fdsBefore);
  assert.equal((await client(['inspect', '--format', '{{.Name}}', 'berthd-big'], { env })).stdout, '/berthd-big\n');
  assert.deepEqual(workersOf(daemon!.pid!).sort(), workers, 'all of it ran in berthd\'s process');
  await b.ok(['rm', 'berthd-big']);
});

test('through berthd: a signal to the client reaches the container; a terminal is the client\'s', { skip }, async (t) => {
  const c = spawn(CLIENT, [...globals(), 'run', '--rm', '--network', 'none', 'busybox', 'sh', '-c', 'trap "exit 42" TERM; echo ready; while true; do sleep 0.1; done'], { env: clientEnv() });
  killOnEnd(t, c);
  let out = '';
  c.stdout.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => c.on('close', (code) => r(code)));
  await waitFor(async () => out.includes('ready'));
  c.kill('SIGTERM');
  assert.equal(await exited, 42, 'SIGTERM went client → worker → container, and the exit status back');

  const cmd = [CLIENT, ...globals(), 'run', '--rm', '-t', '--network', 'none', 'busybox', 'sh', '-c', 'tty; stty size'].map((a) => `'${a}'`).join(' ');
  const r = spawnSync('script', ['-qec', `stty cols 91 rows 37; ${cmd}`, '/dev/null'], { env: clientEnv(), encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /\/dev\/pts\/\d+/);
  assert.match(r.stdout, /37 91/, 'the window size of the client\'s terminal');
  // -it: what is typed on the client's terminal reaches the container.
  const it = [CLIENT, ...globals(), 'run', '-it', '--rm', '--network', 'none', 'busybox', 'sh', '-c', 'echo ready; read x; echo got=$x'].map((a) => `'${a}'`).join(' ');
  const typed = spawnSync('bash', ['-c', `(sleep 1.5; printf 'typed-line\\r'; sleep 1) | script -qec "${it.replace(/["$`\\]/g, '\\$&')}" /dev/null`], { env: clientEnv(), encoding: 'utf8', timeout: 120_000 });
  assert.equal(typed.status, 0, typed.stdout + typed.stderr);
  assert.match(typed.stdout.replace(/\r/g, ''), /got=typed-line/);
});

test('a client killed outright takes its worker with it', { skip }, async (t) => {
  await b.ok(['run', '-d', '--name', 'berthd-wait', '--network', 'none', 'busybox', 'sleep', '1000']);
  // The worker that took the command is the daemon's child in the client's directory.
  const dir = join(tmp, 'killed-client');
  mkdirSync(dir);
  const c = spawn(CLIENT, [...globals(), 'wait', 'berthd-wait'], { env: clientEnv(), stdio: 'ignore', cwd: dir });
  killOnEnd(t, c);
  let worker = 0;
  await waitFor(async () => {
    worker = workersOf(daemon!.pid!).find((p) => { try { return readlinkSync(`/proc/${p}/cwd`) === dir; } catch { return false; } }) ?? 0;
    return worker > 0;
  });
  c.kill('SIGKILL');
  await waitFor(async () => !alive(worker));
  await b.ok(['rm', '-f', 'berthd-wait']);
});

test('what berthd cannot serve runs in the plain CLI: another build, a rebuilt bundle', { skip }, async (t) => {
  const copy = join(tmp, 'other');
  cpSync(join(TOP, 'dist'), join(copy, 'dist'), { recursive: true });
  const script = join(copy, 'dist', 'berth.mjs');
  const sock2 = join(tmp, 'other.sock');
  const d2 = await startDaemon(script, sock2, { ...b.env, BERTH_CLI: script });
  t.after(() => stopDaemon(d2));
  const env = { ...clientEnv(), BERTH_DAEMON_SOCKET: sock2 };
  // This tree's client names this tree's CLI: the other daemon sends it away.
  const foreign = spawnSync(CLIENT, ['version'], { env, encoding: 'utf8' });
  assert.equal(foreign.status, 125);
  assert.match(foreign.stderr, /serves .*other\/dist\/berth\.mjs/);
  const served = spawnSync(CLIENT, ['version'], { env: { ...env, BERTH_CLI: script }, encoding: 'utf8' });
  assert.equal(served.status, 0, served.stderr);
  // A rebuilt bundle: the warm workers hold the old one; they are ended and fresh ones serve.
  const old = workersOf(d2.pid!);
  assert.ok(old.length > 0);
  const later = new Date(Date.now() + 5000);
  utimesSync(join(copy, 'dist', 'lib', 'berth.cjs'), later, later);
  const rebuilt = spawnSync(CLIENT, ['version'], { env: { ...env, BERTH_CLI: script }, encoding: 'utf8' });
  assert.equal(rebuilt.status, 0, rebuilt.stderr);
  await waitFor(async () => old.every((p) => !alive(p)));
  assert.match(rebuilt.stdout, /Version:\s+\d+\.\d+/);
  // And with no daemon at all.
  const none = spawnSync(CLIENT, ['version'], { env: { ...env, BERTH_DAEMON_SOCKET: join(tmp, 'nobody.sock'), BERTH_DAEMON_REQUIRED: '0' }, encoding: 'utf8' });
  assert.equal(none.status, 0, none.stderr);
});

test('berthd stops cleanly: its workers end, its socket goes; a second one on a busy socket refuses', { skip }, async () => {
  const dup = spawnSync(BERTH_MAIN, ['system', 'service', '--socket', socket, '--docker-socket', ''], { encoding: 'utf8', timeout: 20_000 });
  assert.notEqual(dup.status, 0);
  assert.match(dup.stderr, /in use/);
  const workers = workersOf(daemon!.pid!);
  assert.ok(workers.length >= 1, 'warm workers were running');
  assert.equal(await stopDaemon(daemon!), 0);
  daemon = undefined;
  await waitFor(async () => workers.every((p) => !alive(p)));
  assert.ok(!existsSync(socket), 'the socket is removed');
});
