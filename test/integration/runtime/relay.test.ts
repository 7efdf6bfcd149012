// berth-relay (native/relay.c) with its engine side (src/runtime/relay.ts): a create run by this
// process for a helper the relay started, then the container driven through the real CLI; a
// failing create reports its error through the relay's exit; other commands pass to the runtime.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isRoot, makeTemp, removeTemp } from '../../helpers/rootfs.ts';
import { build, cgroupDirs, CLI, cli, forceDelete, leftovers, makeBundle, stateOf, TOP } from './support.ts';
import { listenRelay, parseRelayedCreate } from '../../../src/runtime/relay.ts';
import { deleteContainer, startContainer } from '../../../src/runtime/index.ts';

const skip = !isRoot && 'needs root';
const RELAY = join(TOP, 'build/berth-relay');

before(() => { if (!skip) build(); });

// Output to files, and done at the relay's exit: a created container keeps its stdio open.
function runRelay(args: string[], env: Record<string, string>, cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-relay-out-'));
  const out = openSync(join(dir, 'out'), 'w+'), err = openSync(join(dir, 'err'), 'w+');
  return new Promise((res, rej) => {
    const c = spawn(RELAY, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', out, err] });
    c.on('error', rej);
    c.on('exit', (code) => res({ code, stdout: readFileSync(join(dir, 'out'), 'utf8'), stderr: readFileSync(join(dir, 'err'), 'utf8') }));
  }).finally(() => { closeSync(out); closeSync(err); rmSync(dir, { recursive: true, force: true }); }) as Promise<{ code: number | null; stdout: string; stderr: string }>;
}

function setup(t: { after(fn: () => void): void }, id: string, args: string[], edit?: Parameters<typeof makeBundle>[3]) {
  const dir = makeTemp('berth-relay-');
  const root = join(dir, 'state');
  const { bundle } = makeBundle(join(dir, 'bundle'), id, args, edit);
  t.after(() => { forceDelete(root, id); removeTemp(dir); });
  return { dir, root, bundle };
}

test('parseRelayedCreate: conmon\'s argv, resolved against the relay\'s cwd', () => {
  const o = parseRelayedCreate(['berth-relay', '--root', 'st', '--log', 'l.json', '--log-format=json', 'create', '--bundle', 'b',
    '--pid-file', '/p/pid', '--console-socket', 'c.sock', '--no-pivot', 'ctr1'], '/work');
  assert.equal(o.root, '/work/st');
  assert.equal(o.bundle, '/work/b');
  assert.equal(o.pidFile, '/p/pid');
  assert.equal(o.consoleSocket, '/work/c.sock');
  assert.equal(o.noPivot, true);
  assert.equal(o.id, 'ctr1');
  assert.throws(() => parseRelayedCreate(['r', 'start', 'x'], '/'), /not a create/);
  assert.throws(() => parseRelayedCreate(['r', 'create', '--preserve-fds', '2', 'x'], '/'), /unsupported create option --preserve-fds/);
  assert.throws(() => parseRelayedCreate(['r', 'create'], '/'), /"create" requires exactly 1 argument/);
  assert.throws(() => parseRelayedCreate(['r', 'create', '--bogus', 'x'], '/'), /flag provided but not defined: -bogus/);
  // No --root: the runtime's default state root, or the one the caller passes in.
  assert.equal(parseRelayedCreate(['r', 'create', 'x'], '/w').root, '/run/berth-runtime');
  assert.equal(parseRelayedCreate(['r', 'create', 'x'], '/w', '/other/root').root, '/other/root');
});

test('a relayed create: the helper is the relay\'s child, the state and pid file are ours', { skip }, async (t) => {
  const id = `relay-${process.pid}`;
  const { dir, root, bundle } = setup(t, id, ['sh', '-c', 'echo hello-from-$$; exit 3']);
  const server = await listenRelay(join(dir, 'r.sock'), { root, id });
  t.after(() => server.close());
  const pidFile = join(dir, 'pid');
  const r = await runRelay(['--root', root, '--log', join(dir, 'log'), 'create', '--bundle', bundle, '--pid-file', pidFile, id],
    { BERTH_RELAY_SOCK: server.path, BERTH_RELAY_RUNTIME: CLI }, bundle);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(await server.outcome, { ok: true });
  assert.ok(!existsSync(server.path), 'the socket is gone after its one connection');
  const pid = Number(readFileSync(pidFile, 'utf8'));
  const st = stateOf(root, id);
  assert.equal(st.status, 'created');
  assert.equal(st.pid, pid);
  // The container's stdout is the relay's (conmon's pipe in real use).
  assert.equal(r.stdout, '');
  await startContainer(root, id, (m) => assert.fail(m));
  for (const end = Date.now() + 60_000; stateOf(root, id).status !== 'stopped' && Date.now() < end;) await new Promise((x) => setTimeout(x, 10));
  assert.equal(stateOf(root, id).status, 'stopped');
  await deleteContainer(root, id, {}, (m) => assert.fail(m));
  assert.deepEqual(leftovers(root, id, bundle), []);
});

test('a relayed create that fails: the relay exits 1 with the error, nothing is left', { skip }, async (t) => {
  const id = `relayf-${process.pid}`;
  const { dir, root, bundle } = setup(t, id, ['/no/such/program']);
  const server = await listenRelay(join(dir, 'r.sock'), { root, id });
  t.after(() => server.close());
  const r = await runRelay(['--root', root, 'create', '--bundle', bundle, '--pid-file', join(dir, 'pid'), id],
    { BERTH_RELAY_SOCK: server.path, BERTH_RELAY_RUNTIME: CLI }, bundle);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /berth-runtime: .*\/no\/such\/program/);
  const o = await server.outcome;
  assert.equal(o.ok, false);
  assert.match(o.ok ? '' : o.error.message, /no\/such\/program/);
  assert.ok(!existsSync(join(dir, 'pid')));
  assert.deepEqual(leftovers(root, id, bundle), []);
});

test('a create of another id is refused; other commands go to the real runtime', { skip }, async (t) => {
  const id = `relayx-${process.pid}`;
  const { dir, root, bundle } = setup(t, id, ['true']);
  const server = await listenRelay(join(dir, 'r.sock'), { root, id: 'someone-else' });
  t.after(() => server.close());
  const r = await runRelay(['--root', root, 'create', '--bundle', bundle, id], { BERTH_RELAY_SOCK: server.path, BERTH_RELAY_RUNTIME: CLI }, bundle);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /expected a create of someone-else/);
  assert.deepEqual(leftovers(root, id, bundle), []);
  // `run` is not relayed: the runtime itself runs it.
  const run = await runRelay(['--root', root, 'run', '--bundle', bundle, id], { BERTH_RELAY_SOCK: server.path, BERTH_RELAY_RUNTIME: CLI }, bundle);
  assert.equal(run.code, 0, run.stderr);
  const noEnv = await runRelay(['--root', root, 'list'], {}, bundle);
  assert.equal(noEnv.code, 1);
  assert.match(noEnv.stderr, /BERTH_RELAY_RUNTIME is not set/);
  assert.equal(cli(root, ['list', '-q']).stdout, '');
});

test('prepared ahead: the plan and cgroup are used by the create that fits, and removed when no create comes', { skip }, async (t) => {
  const id = `relaya-${process.pid}`;
  const { dir, root, bundle } = setup(t, id, ['/no/such/program']);
  const pidFile = join(dir, 'pid');
  // A create that fits the guess fails in the container: its undo removes the cgroup made ahead.
  const server = await listenRelay(join(dir, 'r.sock'), { root, id });
  t.after(() => server.close());
  server.prepareAhead({ bundle, pidFile });
  await waitFor(() => cgroupDirs(id).length > 0, 'the cgroup made ahead');
  const r = await runRelay(['--root', root, 'create', '--bundle', bundle, '--pid-file', pidFile, id], { BERTH_RELAY_SOCK: server.path, BERTH_RELAY_RUNTIME: CLI }, bundle);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /no\/such\/program/);
  assert.deepEqual(leftovers(root, id, bundle), []);
  // No create at all (conmon failed before its runtime): closing the server removes it.
  const idle = await listenRelay(join(dir, 'r2.sock'), { root, id });
  idle.prepareAhead({ bundle, pidFile });
  await waitFor(() => cgroupDirs(id).length > 0, 'the cgroup made ahead');
  idle.close();
  await waitFor(() => cgroupDirs(id).length === 0, 'the cgroup removed');
  assert.deepEqual(leftovers(root, id, bundle), []);
});

async function waitFor(cond: () => boolean, what: string): Promise<void> {
  for (const end = Date.now() + 60_000; Date.now() < end;) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.fail(`timed out waiting for ${what}`);
}
