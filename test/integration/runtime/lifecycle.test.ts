// The runtime's lifecycle through the real CLI: run with exit codes, create → start → kill →
// delete with the state checked at each step, refused transitions, list, logs, and cleanup.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { isRoot, makeTemp, removeTemp } from '../../helpers/rootfs.ts';
import { build, CLI, cgroupDirs, cli, cliAsync, forceDelete, leftovers, makeBundle, processesIn, stateOf } from './support.ts';
import { defer, killOnEnd } from '../../helpers/cleanup.ts';

const skip = !isRoot && 'needs root';

before(() => { if (!skip) build(); });

function setup(t: { after(fn: () => void): void }, id: string, args: string[], edit?: Parameters<typeof makeBundle>[3]) {
  const dir = makeTemp('berth-rt-');
  const root = join(dir, 'state');
  const { bundle, spec } = makeBundle(join(dir, 'bundle'), id, args, edit);
  defer(t, () => { forceDelete(root, id); removeTemp(dir); });
  return { dir, root, bundle, spec };
}

test('run passes the exit code and output through, and leaves nothing', { skip }, (t) => {
  const id = `run-${process.pid}`;
  const { root, bundle } = setup(t, id, ['sh', '-c', 'echo out-$((6*7)); echo err >&2; exit 7']);
  const r = cli(root, ['run', '--bundle', bundle, id]);
  assert.equal(r.code, 7, r.stderr);
  assert.equal(r.stdout, 'out-42\n');
  assert.equal(r.stderr, 'err\n');
  assert.deepEqual(leftovers(root, id, bundle), []);
  const ok = cli(root, ['run', '-b', bundle, id]);
  assert.equal(ok.code, 7);
});

test('run: a container killed by a signal exits 128+n', { skip }, (t) => {
  const id = `sig-${process.pid}`;
  // Without a pid namespace the shell is not an init and SIGKILL to itself works.
  const { root, bundle } = setup(t, id, ['sh', '-c', 'kill -9 $$'], (s) => {
    s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'pid');
  });
  const r = cli(root, ['run', '--bundle', bundle, id]);
  assert.equal(r.code, 137, r.stderr);
  assert.deepEqual(leftovers(root, id, bundle), []);
});

test('create → start → kill → delete with the state at every step', { skip }, (t) => {
  const id = `life-${process.pid}`;
  const { dir, root, bundle } = setup(t, id, ['sleep', '1000'], (s) => { s.annotations = { 'org.test': 'yes' }; });
  const pidFile = join(dir, 'pid');
  const c = cli(root, ['create', '--bundle', bundle, '--pid-file', pidFile, id]);
  assert.equal(c.code, 0, c.stderr);
  const pid = Number(readFileSync(pidFile, 'utf8'));
  assert.ok(pid > 1);

  const s1 = stateOf(root, id);
  assert.deepEqual(Object.keys(s1), ['ociVersion', 'id', 'pid', 'status', 'bundle', 'rootfs', 'created', 'owner', 'annotations']);
  assert.equal(s1.status, 'created');
  assert.equal(s1.pid, pid);
  assert.equal(s1.bundle, bundle);
  assert.equal(s1.rootfs, join(bundle, 'rootfs'));
  assert.deepEqual(s1.annotations, { 'org.test': 'yes' });
  assert.ok(!Number.isNaN(Date.parse(String(s1.created))));
  assert.ok(existsSync(join(root, id, 'exec.fifo')));
  // The init waits on the fifo: it has not exec'd sleep yet.
  assert.doesNotMatch(readFileSync(`/proc/${pid}/cmdline`, 'utf8'), /sleep/);
  // Its cgroup exists and holds it.
  const dirs = cgroupDirs(id);
  assert.ok(dirs.some((d) => d.includes('/memory/')), `cgroups: ${dirs}`);
  assert.ok(readFileSync(join(dirs[0], 'cgroup.procs'), 'utf8').split('\n').includes(String(pid)));
  // The leftovers check can see a live container process: this one, rooted in the rootfs.
  assert.deepEqual(processesIn(join(bundle, 'rootfs')), [pid]);

  const again = cli(root, ['create', '--bundle', bundle, id]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /container with id exists/);

  assert.equal(cli(root, ['start', id]).code, 0);
  const s2 = stateOf(root, id);
  assert.equal(s2.status, 'running');
  assert.equal(s2.pid, pid);
  assert.ok(!existsSync(join(root, id, 'exec.fifo')));
  // Give the init a moment to exec.
  for (let i = 0; i < 100 && !readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('sleep'); i++) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
  assert.match(readFileSync(`/proc/${pid}/cmdline`, 'utf8'), /^sleep\x001000/);

  const start2 = cli(root, ['start', id]);
  assert.equal(start2.code, 1);
  assert.match(start2.stderr, /cannot start an already running container/);
  const del = cli(root, ['delete', id]);
  assert.equal(del.code, 1);
  assert.match(del.stderr, new RegExp(`cannot delete container ${id} that is not stopped: running`));

  const list = cli(root, ['list']);
  assert.equal(list.code, 0);
  const lines = list.stdout.trimEnd().split('\n');
  assert.match(lines[0], /^ID\s+PID\s+STATUS\s+BUNDLE\s+CREATED\s+OWNER$/);
  assert.match(lines[1], new RegExp(`^${id}\\s+${pid}\\s+running\\s+${bundle}\\s+\\S+\\s+root$`));
  assert.equal(cli(root, ['list', '-q']).stdout, `${id}\n`);
  const json = JSON.parse(cli(root, ['list', '--format', 'json']).stdout) as Record<string, unknown>[];
  assert.equal(json.length, 1);
  assert.equal(json[0].id, id);
  assert.equal(json[0].status, 'running');

  assert.equal(cli(root, ['kill', id, 'KILL']).code, 0);
  for (let i = 0; i < 200 && stateOf(root, id).status !== 'stopped'; i++) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
  const s3 = stateOf(root, id);
  assert.equal(s3.status, 'stopped');
  assert.equal(s3.pid, 0);
  const kill2 = cli(root, ['kill', id]);
  assert.equal(kill2.code, 1);
  assert.match(kill2.stderr, /container not running/);
  const start3 = cli(root, ['start', id]);
  assert.equal(start3.code, 1);
  assert.match(start3.stderr, /cannot start a container that has stopped/);

  assert.equal(cli(root, ['delete', id]).code, 0);
  const gone = cli(root, ['state', id]);
  assert.equal(gone.code, 1);
  assert.match(gone.stderr, /container does not exist/);
  assert.deepEqual(leftovers(root, id, bundle), []);
  assert.equal(cli(root, ['delete', id]).code, 1);
  assert.equal(cli(root, ['delete', '--force', id]).code, 0);
  assert.equal(cli(root, ['list', '-f', 'json']).stdout, 'null\n');
});

test('delete --force kills a running or created container; without --force both are refused', { skip }, (t) => {
  const id = `force-${process.pid}`;
  const { root, bundle } = setup(t, id, ['sleep', '1000']);
  assert.equal(cli(root, ['run', '-d', '--bundle', bundle, id]).code, 0);
  const pid = stateOf(root, id).pid as number;
  assert.equal(stateOf(root, id).status, 'running');
  const r = cli(root, ['delete', '-f', id]);
  assert.equal(r.code, 0, r.stderr);
  const st = existsSync(`/proc/${pid}/stat`) ? readFileSync(`/proc/${pid}/stat`, 'utf8') : '';
  assert.ok(st === '' || / Z /.test(st), `init ${pid} still alive: ${st}`);
  assert.deepEqual(leftovers(root, id, bundle), []);

  assert.equal(cli(root, ['create', '-b', bundle, id]).code, 0);
  const pid2 = stateOf(root, id).pid as number;
  const refused = cli(root, ['delete', id]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, new RegExp(`cannot delete container ${id} that is not stopped: created`));
  assert.equal(stateOf(root, id).status, 'created');
  assert.equal(cli(root, ['delete', '--force', id]).code, 0);
  const st2 = existsSync(`/proc/${pid2}/stat`) ? readFileSync(`/proc/${pid2}/stat`, 'utf8') : '';
  assert.ok(st2 === '' || / Z /.test(st2));
  assert.deepEqual(leftovers(root, id, bundle), []);
});

test('kill --all signals every process of the cgroup', { skip }, (t) => {
  const id = `killall-${process.pid}`;
  const { root, bundle } = setup(t, id, ['sh', '-c', 'sleep 1000 & sleep 1000 & wait'], (s) => {
    s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'pid');
  });
  assert.equal(cli(root, ['run', '-d', '--bundle', bundle, id]).code, 0);
  const procs = () => readFileSync(join(cgroupDirs(id).find((d) => d.includes('/pids/'))!, 'cgroup.procs'), 'utf8').trim().split('\n').filter(Boolean);
  for (let i = 0; i < 100 && procs().length < 3; i++) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
  assert.equal(procs().length, 3);
  assert.equal(cli(root, ['kill', '--all', id, '9']).code, 0);
  for (let i = 0; i < 200 && stateOf(root, id).status !== 'stopped'; i++) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
  assert.equal(stateOf(root, id).status, 'stopped');
  assert.equal(cli(root, ['delete', id]).code, 0);
  assert.deepEqual(leftovers(root, id, bundle), []);
});

test('a malformed config.json: precise error, non-zero exit, nothing left', { skip }, (t) => {
  const id = `bad-${process.pid}`;
  const { root, bundle } = setup(t, id, ['true'], (s) => {
    s.process!.args = [];
    s.mounts![0].destination = 'relative/path';
  });
  const r = cli(root, ['--log', join(root, '..', 'log.json'), '--log-format', 'json', 'create', '-b', bundle, id]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /process\.args: must be a non-empty array/);
  assert.match(r.stderr, /mounts\[0\]\.destination/);
  const log = readFileSync(join(root, '..', 'log.json'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, string>);
  assert.equal(log.at(-1)!.level, 'error');
  assert.match(log.at(-1)!.msg, /process\.args/);
  assert.ok(!Number.isNaN(Date.parse(log.at(-1)!.time)));
  assert.deepEqual(leftovers(root, id, bundle), []);
});

test('a failing plan step is reported with its index and op and undone', { skip }, (t) => {
  const id = `fail-${process.pid}`;
  // A mount of a filesystem type the kernel doesn't know fails inside the helper (the planner
  // can't know), after the cgroup exists and the init is running.
  const { root, bundle } = setup(t, id, ['true'], (s) => {
    s.mounts!.push({ destination: '/mnt', type: 'nosuchfs', source: 'none' });
  });
  const r = cli(root, ['create', '-b', bundle, id]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`^berth-runtime: create ${id}: step \\d+ \\(mount\\): .*nosuchfs.*ENODEV`, 'm'));
  assert.deepEqual(leftovers(root, id, bundle), []);
});

test('create --dry-run prints the plan and creates nothing', { skip }, (t) => {
  const id = `dry-${process.pid}`;
  const { root, bundle } = setup(t, id, ['true']);
  const r = cli(root, ['create', '--dry-run', '-b', bundle, id]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /clone/);
  assert.match(r.stdout, /pivot-root/);
  assert.match(r.stdout, /exec/);
  assert.deepEqual(leftovers(root, id, bundle), []);
});

test('usage errors, version, help, unknown ids', { skip }, (t) => {
  const dir = makeTemp('berth-rt-');
  t.after(() => removeTemp(dir));
  const root = join(dir, 'state');
  assert.match(cli(root, ['--version']).stdout, /^berth-runtime version \S+\nspec: 1\.\d+\.\d+\n$/);
  assert.match(cli(root, ['--help']).stdout, /COMMANDS:[\s\S]*create[\s\S]*GLOBAL OPTIONS/);
  assert.match(cli(root, ['kill', '--help']).stdout, /--all, -a/);
  const st = cli(root, ['start']);
  assert.equal(st.code, 1);
  assert.match(st.stderr, /"start" requires exactly 1 argument/);
  const bad = cli(root, ['kill', 'x', 'SIGNOPE']);
  assert.equal(bad.code, 1);
  const unk = cli(root, ['state', 'nope']);
  assert.equal(unk.code, 1);
  assert.match(unk.stderr, /container does not exist/);
  assert.equal(cli(root, ['list']).stdout, 'ID          PID         STATUS      BUNDLE      CREATED     OWNER\n');
  const text = cli(root, ['--log', join(dir, 'log.txt'), 'state', 'nope']);
  assert.equal(text.code, 1);
  assert.match(readFileSync(join(dir, 'log.txt'), 'utf8'), /^time="[^"]+" level=error msg="container does not exist"\n$/);
});

test('two CLIs racing to create one id: exactly one wins, the other leaves its state alone', { skip }, async (t) => {
  const id = `race-${process.pid}`;
  const { root, bundle } = setup(t, id, ['sleep', '1000']);
  const rs = await Promise.all([0, 1, 2].map(() => cliAsync(root, ['create', '-b', bundle, id])));
  assert.deepEqual(rs.map((r) => r.code).sort(), [0, 1, 1], rs.map((r) => r.stderr).join('\n'));
  for (const r of rs.filter((x) => x.code === 1)) assert.match(r.stderr, /container with id exists/);
  assert.equal(stateOf(root, id).status, 'created');
  // Concurrent start and delete -f: each sees a consistent state, and the container ends deleted.
  const [st, del] = await Promise.all([cliAsync(root, ['start', id]), cliAsync(root, ['delete', '-f', id])]);
  assert.equal(del.code, 0, del.stderr);
  assert.ok(st.code === 0 || /container does not exist|cannot start/.test(st.stderr), st.stderr);
  assert.deepEqual(leftovers(root, id, bundle), []);
});

test('a container whose init died is stopped and can be deleted without --force', { skip }, (t) => {
  const id = `died-${process.pid}`;
  const { root, bundle } = setup(t, id, ['sleep', '1000']);
  assert.equal(cli(root, ['create', '-b', bundle, id]).code, 0);
  const pid = stateOf(root, id).pid as number;
  process.kill(pid, 'SIGKILL');
  for (let i = 0; i < 200 && stateOf(root, id).status !== 'stopped'; i++) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
  assert.equal(stateOf(root, id).status, 'stopped');
  const start = cli(root, ['start', id]);
  assert.equal(start.code, 1);
  assert.equal(cli(root, ['delete', id]).code, 0);
  assert.deepEqual(leftovers(root, id, bundle), []);
});

test('--systemd-cgroup with a slice path is refused clearly', { skip }, (t) => {
  const id = `slice-${process.pid}`;
  const { root, bundle } = setup(t, id, ['true'], (s) => { s.linux!.cgroupsPath = 'system.slice:berth:x'; });
  const r = cli(root, ['--systemd-cgroup', 'create', '-b', bundle, id]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /systemd/);
  assert.match(r.stderr, /system\.slice:berth:x/);
  assert.deepEqual(leftovers(root, id, bundle), []);
});

test('spec writes a runc-like config.json once; --rootless adds user namespace mappings', { skip }, (t) => {
  const dir = makeTemp('berth-rt-');
  t.after(() => removeTemp(dir));
  const root = join(dir, 'state');
  assert.equal(cli(root, ['spec', '--bundle', dir]).code, 0);
  const spec = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as { ociVersion: string; process: { args: string[] } };
  assert.deepEqual(spec.process.args, ['sh']);
  const again = cli(root, ['spec', '-b', dir]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /File config.json exists/);
  rmSync(join(dir, 'config.json'));
  assert.equal(cli(root, ['spec', '--rootless', '-b', dir]).code, 0);
  const rl = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as { linux: { uidMappings: unknown[]; namespaces: { type: string }[] } };
  assert.equal(rl.linux.uidMappings.length, 1);
  assert.ok(rl.linux.namespaces.some((n) => n.type === 'user'));
});

test('delete of a stopped container kills what its init left in the cgroup', { skip }, (t) => {
  const id = `orphans-${process.pid}`;
  // No pid namespace: the background sleep outlives the init.
  const { root, bundle } = setup(t, id, ['sh', '-c', 'sleep 1000 & exit 0'], (s) => {
    s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'pid');
  });
  assert.equal(cli(root, ['run', '-d', '-b', bundle, id]).code, 0);
  for (let i = 0; i < 200 && stateOf(root, id).status !== 'stopped'; i++) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
  assert.equal(stateOf(root, id).status, 'stopped');
  const procs = readFileSync(join(cgroupDirs(id).find((d) => d.includes('/pids/'))!, 'cgroup.procs'), 'utf8').trim().split('\n').filter(Boolean);
  assert.equal(procs.length, 1, 'the orphaned sleep is still in the cgroup');
  const del = cli(root, ['delete', id]);
  assert.equal(del.code, 0, del.stderr);
  const st = existsSync(`/proc/${procs[0]}/stat`) ? readFileSync(`/proc/${procs[0]}/stat`, 'utf8') : '';
  assert.ok(st === '' || / Z /.test(st), `orphan ${procs[0]} still alive: ${st}`);
  assert.deepEqual(leftovers(root, id, bundle), []);
});

test('run in the foreground forwards SIGTERM to the container and passes its exit code', { skip }, async (t) => {
  const id = `fwd-${process.pid}`;
  const { dir, root, bundle } = setup(t, id, ['sh', '-c', 'trap "echo got-term; exit 42" TERM; echo ready; while true; do sleep 0.1; done']);
  const out = join(dir, 'out');
  const fd = openSync(out, 'w');
  const child = spawn(CLI, ['--root', root, 'run', '-b', bundle, id], { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  killOnEnd(t, child);
  const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  for (const end = Date.now() + 60_000; !readFileSync(out, 'utf8').includes('ready') && Date.now() < end;) await new Promise((r) => setTimeout(r, 10));
  assert.equal(stateOf(root, id).status, 'running');
  child.kill('SIGTERM');
  assert.equal(await exited, 42);
  assert.equal(readFileSync(out, 'utf8'), 'ready\ngot-term\n');
  assert.deepEqual(leftovers(root, id, bundle), []);
});
