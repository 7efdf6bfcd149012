// build/berth-runtime-client itself (the berth-runtime on PATH): which path serves a command
// (berthd, or the plain runtime when berthd is absent, switched off, of another build, or never
// serves that command), the container's parentage under the caller, concurrent commands each
// with their own output and status, and a client killed in the middle of `run`. The lifecycle
// and inside tests run on this path too (lifecycle-berthd.test.ts, inside-berthd.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { isRoot, makeTemp, removeTemp } from '../../helpers/rootfs.ts';
import { CLIENT, leftovers, makeBundle, stateOf, tempBundle, withBerthd } from './support.ts';

const skip = !isRoot && 'needs root';
if (!skip) withBerthd();

interface Out { code: number | null; stdout: string; stderr: string }

/** The client, its output in files (a created container would hold pipes open). */
async function client(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Out> {
  const dir = makeTemp('berth-rtc-out-');
  const out = openSync(join(dir, 'out'), 'w+');
  const err = openSync(join(dir, 'err'), 'w+');
  try {
    const c = spawn(CLIENT, args, { stdio: ['ignore', out, err], env });
    const code = await new Promise<number | null>((res) => c.on('exit', (code) => res(code)));
    return { code, stdout: readFileSync(join(dir, 'out'), 'utf8'), stderr: readFileSync(join(dir, 'err'), 'utf8') };
  } finally {
    closeSync(out);
    closeSync(err);
    removeTemp(dir);
  }
}

const ppid = (pid: number) => {
  const st = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(st.slice(st.lastIndexOf(')') + 2).split(' ')[1]);
};

test('which path serves a command', { skip }, async (t) => {
  const dir = makeTemp('berth-rtc-');
  t.after(() => removeTemp(dir));
  const root = join(dir, 'state');
  const args = ['--root', root, 'state', 'nope'];
  // berthd serves it (BERTH_DAEMON_REQUIRED=1 is set by withBerthd: a fall back would be 125).
  const served = await client(args);
  assert.equal(served.code, 1);
  assert.equal(served.stderr, 'berth-runtime: container does not exist\n');
  // No berthd: the plain runtime, with the same answer; required: a clear refusal.
  const none = { ...process.env, BERTH_DAEMON_SOCKET: join(dir, 'nobody.sock') };
  assert.deepEqual(await client(args, { ...none, BERTH_DAEMON_REQUIRED: '0' }), served);
  const refused = await client(args, none);
  assert.equal(refused.code, 125);
  assert.match(refused.stderr, /berthd cannot run this command: no berthd answers/);
  // Switched off.
  assert.match((await client(args, { ...process.env, BERTH_NO_DAEMON: '1' })).stderr, /BERTH_NO_DAEMON is set/);
  // A client whose plain runtime is another build's: berthd declines it.
  const other = await client(args, { ...process.env, BERTH_RUNTIME_CLI: '/nonexistent/dist/berth-runtime.mjs' });
  assert.equal(other.code, 125);
  assert.match(other.stderr, /berthd serves the runtime beside/);
  // A berthd of an older build answers the runtime client in its own words (berth-client's
  // "fallback" line): the plain runtime runs the command.
  const oldSock = join(dir, 'old.sock');
  const old = createServer((c) => c.end('fallback berthd: bad request from the client: unknown client version\n'));
  await new Promise<void>((res) => old.listen(oldSock, res));
  t.after(() => old.close());
  const viaOld = { ...process.env, BERTH_DAEMON_SOCKET: oldSock };
  assert.deepEqual(await client(args, { ...viaOld, BERTH_DAEMON_REQUIRED: '0' }), served);
  assert.match((await client(args, viaOld)).stderr, /berthd cannot run this command: berthd did not take the command/);
  // A caller in other namespaces (here a mount namespace of its own): berthd's pids, cgroup and
  // file paths would not be the caller's, so the plain runtime runs the command.
  const inNs = spawnSync('unshare', ['-m', CLIENT, ...args], { encoding: 'utf8' });
  assert.equal(inNs.status, 125);
  assert.match(inNs.stderr, /berthd cannot run this command: the caller is in other namespaces than berthd/);
  const inNsPlain = spawnSync('unshare', ['-m', CLIENT, ...args], { encoding: 'utf8', env: { ...process.env, BERTH_DAEMON_REQUIRED: '0' } });
  assert.deepEqual([inNsPlain.status, inNsPlain.stderr], [served.code, served.stderr]);
  // A command berthd never serves runs in the plain runtime even when berthd is required.
  const spec = await client(['spec', '--bundle', dir]);
  assert.equal(spec.code, 0, spec.stderr);
  assert.ok(existsSync(join(dir, 'config.json')));
});

test('run in the foreground: the init descends from the caller, through the client', { skip }, async (t) => {
  const id = `rtc-tree-${process.pid}`;
  const b = tempBundle(t, 'berth-rtc-', id, ['sleep', '1000']);
  const c = spawn(CLIENT, ['--root', b.root, 'run', '--bundle', b.bundle, id], { stdio: 'ignore' });
  t.after(() => c.kill('SIGKILL'));
  let pid = 0;
  for (const end = Date.now() + 60_000; !pid && Date.now() < end;) {
    await new Promise((r) => setTimeout(r, 10));
    if (existsSync(join(b.root, id, 'state.json'))) pid = stateOf(b.root, id).pid as number;
  }
  assert.ok(pid > 0, 'the container did not come up');
  // init → stage 0 (berth-init --wait, the reaper) → the client, as runc's init → runc.
  assert.equal(ppid(ppid(pid)), c.pid);
  const exited = new Promise<number | null>((res) => c.on('exit', (code) => res(code)));
  c.kill('SIGKILL');
  await exited;
  // The client killed outright: berthd sees its connection go, and the container goes with it.
  for (const end = Date.now() + 60_000; leftovers(b.root, id, b.bundle).length && Date.now() < end;) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(leftovers(b.root, id, b.bundle), []);
});

test('concurrent commands: each client gets its own output and status', { skip }, async (t) => {
  const dir = makeTemp('berth-rtc-');
  const root = join(dir, 'state');
  const n = 6;
  const bundles = Array.from({ length: n }, (_, i) => makeBundle(join(dir, `b${i}`), `rtc-par-${process.pid}-${i}`, ['sh', '-c', `echo out-${i}; echo err-${i} >&2; exit ${10 + i}`]).bundle);
  t.after(() => {
    for (let i = 0; i < n; i++) spawnSync(CLIENT, ['--root', root, 'delete', '--force', `rtc-par-${process.pid}-${i}`]);
    removeTemp(dir);
  });
  const rs = await Promise.all(bundles.map((bundle, i) => client(['--root', root, 'run', '--bundle', bundle, `rtc-par-${process.pid}-${i}`])));
  rs.forEach((r, i) => {
    assert.equal(r.code, 10 + i, r.stderr);
    assert.equal(r.stdout, `out-${i}\n`);
    assert.equal(r.stderr, `err-${i}\n`);
    assert.deepEqual(leftovers(root, `rtc-par-${process.pid}-${i}`, bundles[i]), []);
  });
});

test('a caller with stdin and stdout closed: the container finds them as with the plain runtime', { skip }, async (t) => {
  const id = `rtc-closed-${process.pid}`;
  const b = tempBundle(t, 'berth-rtc-', id, ['sh', '-c', 'ls /proc/self/fd >&2; echo out; exit 4']);
  const run = (env: Record<string, string>) => {
    const r = spawnSync('sh', ['-c', `exec "$0" --root "$1" run --bundle "$2" "$3" <&- >&-`, CLIENT, b.root, b.bundle, id], { encoding: 'utf8', env: { ...process.env, ...env } });
    return { code: r.status, stderr: r.stderr };
  };
  const served = run({});
  assert.equal(served.code, 4, served.stderr);
  // 0-2 open (/dev/null in place of the closed ones), 3 is ls's own directory.
  assert.equal(served.stderr, '0\n1\n2\n3\n');
  assert.deepEqual(run({ BERTH_NO_DAEMON: '1', BERTH_DAEMON_REQUIRED: '0' }), served);
});
