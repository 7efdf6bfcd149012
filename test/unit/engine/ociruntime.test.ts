// The typed OCI runtime interface (src/engine/ociruntime): its contract against the test double,
// the mapping of real runtime messages (runc 1.1.5, crun 1.8.1, berth-runtime, captured on this
// host) to RuntimeError kinds, the result documents, the factory's choice, and engine code paths
// that turn runtime failures into engine errors. The same contract against the real runtimes:
// test/integration/engine/ociruntime.test.ts.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import test from 'node:test';
import { Engine, EngineError } from '../../../src/engine/index.ts';
import type { ContainerConfig } from '../../../src/engine/index.ts';
import { initialState } from '../../../src/engine/types.ts';
import { EngineCore } from '../../../src/engine/core.ts';
import { exactJson } from '../../../src/engine/ociruntime/binary.ts';
import { classify, fromLibrary, runtimeMessage, fromStderr } from '../../../src/engine/ociruntime/errors.ts';
import { BinaryRuntime, InProcessRuntime, openRuntime, type RuntimeErrorKind } from '../../../src/engine/ociruntime/index.ts';
import { statsFrom, stateFrom } from '../../../src/engine/ociruntime/results.ts';
import { ContainerExistsError, ContainerNotExistError, InvalidIdError, InvalidStateError, SignalError } from '../../../src/runtime/errors.ts';
import { makeTemp, removeTemp } from '../../helpers/rootfs.ts';
import { FakeRuntime } from '../../helpers/fake-ociruntime.ts';
import { runContract } from '../../helpers/ociruntime-contract.ts';

test('contract: the test double', async (t) => {
  const dir = makeTemp('berth-ocirt-');
  t.after(() => removeTemp(dir));
  const bundle = (args: string[]) => (id: string) => {
    const b = join(dir, id);
    mkdirSync(b, { recursive: true });
    writeFileSync(join(b, 'config.json'), JSON.stringify({ ociVersion: '1.2.0', process: { args } }));
    return b;
  };
  await runContract(t, { name: 'fake', runtime: () => new FakeRuntime(), bundle: bundle(['sleep', '100']), badBundle: bundle([]) });
});

// [runtime, operation, stderr as printed, kind]
const REAL: [string, string, string, RuntimeErrorKind][] = [
  ['runc', 'state', 'time="2026-12-06T03:48:00Z" level=error msg="container does not exist"', 'not-found'],
  ['runc', 'exec', 'time="2026-12-06T03:48:00Z" level=error msg="exec failed: container does not exist"', 'not-found'],
  ['runc', 'create', 'time="2026-12-06T03:48:00Z" level=error msg="runc create failed: container with given ID already exists"', 'exists'],
  ['runc', 'start', 'time="2026-12-06T03:48:13Z" level=error msg="cannot start an already running container"', 'not-running'],
  ['runc', 'start', 'time="2026-12-06T03:48:00Z" level=error msg="cannot start a container in the paused state"', 'not-running'],
  ['runc', 'delete', 'time="2026-12-06T03:48:13Z" level=error msg="cannot delete container c1 that is not stopped: running"', 'not-running'],
  ['runc', 'resume', 'time="2026-12-06T03:48:13Z" level=error msg="container not paused"', 'not-running'],
  ['runc', 'kill', 'time="2026-12-06T03:48:01Z" level=error msg="container not running"', 'already-stopped'],
  ['runc', 'start', 'time="2026-12-06T03:48:01Z" level=error msg="cannot start a container that has stopped"', 'already-stopped'],
  ['runc', 'exec', 'time="2026-12-06T03:48:01Z" level=error msg="exec failed: cannot exec in a stopped container"', 'already-stopped'],
  ['runc', 'create', 'time="2026-12-06T03:48:01Z" level=error msg="runc create failed: args must not be empty"', 'invalid-config'],
  ['runc', 'state', 'time="2026-12-06T03:48:01Z" level=error msg="invalid container ID format"', 'invalid-config'],
  ['runc', 'update', `time="2026-12-06T03:48:13Z" level=error msg="invalid value for memory: invalid size: 'abc'"`, 'invalid-config'],
  ['crun', 'state', 'error opening file `/tmp/rti/root-crun/nope/status`: No such file or directory', 'not-found'],
  ['crun', 'delete', "cannot open directory '/tmp/rti/root-crun/nope': No such file or directory", 'not-found'],
  ['crun', 'create', 'container `c1` already exists', 'exists'],
  ['crun', 'start', 'cannot open `/tmp/rti/root-crun/c1/exec.fifo`: No such file or directory', 'not-running'],
  ['crun', 'delete', 'the container `c1` is not in `created` or `stopped` state', 'not-running'],
  ['crun', 'kill', 'kill container: No such process', 'already-stopped'],
  ['crun', 'start', 'container `c1` is not running', 'already-stopped'],
  ['crun', 'pause', 'the container `c1` is not running', 'already-stopped'],
  ['crun', 'create', 'unknown version specified', 'invalid-config'],
  ['crun', 'create', 'cgroups in hybrid mode not supported, drop all controllers from cgroupv2', 'host-refused'],
  ['crun', 'events', 'unknown command events', 'unsupported'],
  ['berth-runtime', 'state', 'berth-runtime: container does not exist', 'not-found'],
  ['berth-runtime', 'create', 'berth-runtime: container with id exists: c1', 'exists'],
  ['berth-runtime', 'start', 'berth-runtime: cannot start an already running container', 'not-running'],
  ['berth-runtime', 'pause', 'berth-runtime: container not running (created)', 'not-running'],
  ['berth-runtime', 'resume', 'berth-runtime: container not paused (running)', 'not-running'],
  ['berth-runtime', 'kill', 'berth-runtime: container not running', 'already-stopped'],
  ['berth-runtime', 'pause', 'berth-runtime: container not running (stopped)', 'already-stopped'],
  ['berth-runtime', 'start', 'berth-runtime: cannot start a container that has stopped', 'already-stopped'],
  ['berth-runtime', 'create', 'berth-runtime: /tmp/rti/bad/config.json: process.args: must be a non-empty array of strings', 'invalid-config'],
  ['berth-runtime', 'create', 'berth-runtime: bundle /tmp/rti/nonexist: no config.json', 'invalid-config'],
  ['berth-runtime', 'state', 'berth-runtime: invalid container id "a/b": must match [A-Za-z0-9_+.-]+ and not be "." or ".."', 'invalid-config'],
  ['berth-runtime', 'kill', 'berth-runtime: unknown signal "FOO"', 'invalid-config'],
];

test('stderr of runc, crun and berth-runtime: the kind, and the message without its log prefix', () => {
  for (const [rt, op, stderr, kind] of REAL) {
    const e = fromStderr(op, 'c1', `${stderr}\n`, 1);
    assert.equal(e.kind, kind, `${rt} ${op}: ${stderr}`);
    assert.equal(e.op, op);
    assert.doesNotMatch(e.message, /^berth-runtime: |level=error/, `${rt}: prefix kept`);
  }
  assert.equal(runtimeMessage('time="x" level=warning msg="w"\ntime="x" level=error msg="say \\"hi\\""\n'), 'say "hi"');
  assert.equal(runtimeMessage('berth-runtime: warning: hook h: failed\nberth-runtime: container not running\n'), 'container not running');
  assert.equal(fromStderr('start', 'c1', '', 2).message, 'exit status 2');
  assert.equal(classify('something else broke'), 'failed');
});

test('runtime-library errors: typed errors to kinds', () => {
  assert.equal(fromLibrary('state', 'x', new ContainerNotExistError('x')).kind, 'not-found');
  assert.equal(fromLibrary('create', 'x', new ContainerExistsError('x')).kind, 'exists');
  assert.equal(fromLibrary('state', 'a/b', new InvalidIdError('a/b')).kind, 'invalid-config');
  assert.equal(fromLibrary('kill', 'x', new SignalError('FOO')).kind, 'invalid-config');
  assert.equal(fromLibrary('kill', 'x', new InvalidStateError('x', 'stopped', 'container not running')).kind, 'already-stopped');
  assert.equal(fromLibrary('pause', 'x', new InvalidStateError('x', 'created', 'container not running (created)')).kind, 'not-running');
  const eperm = Object.assign(new Error('EPERM: operation not permitted, open /sys/fs/cgroup/x'), { code: 'EPERM' });
  assert.equal(fromLibrary('update', 'x', eperm).kind, 'host-refused');
  const gone = Object.assign(new Error("ENOENT: no such file or directory, open '/r/x/lock'"), { code: 'ENOENT' });
  assert.equal(fromLibrary('update', 'x', gone).kind, 'not-found');
  const e = fromLibrary('kill', 'x', new SignalError('FOO'));
  assert.ok(e instanceof EngineError, 'a RuntimeError is an engine error');
  assert.equal(e.cause instanceof SignalError, true);
});

test('result documents: runc\'s omissions filled in, numbers as numbers', () => {
  // runc 1.1.5's events --stats leaves out what it has no value for (throttling here).
  const s = statsFrom({ cpu: { usage: { total: 10289009, percpu: [1112007, 9177002], kernel: 0, user: 0 }, throttling: {} },
    memory: { usage: { limit: 9223372036854771712, usage: 724992, max: 2781184, failcnt: 0 }, raw: { total_inactive_file: 4096 } },
    pids: { current: 1 }, blkio: { ioServiceBytesRecursive: [{ major: 8, minor: 0, op: 'Read', value: 512 }] } });
  assert.equal(s.cpu.usage.total, 10289009);
  assert.deepEqual(s.cpu.throttling, { periods: 0, throttledPeriods: 0, throttledTime: 0 });
  assert.equal(s.memory.usage.usage, 724992);
  assert.deepEqual(s.memory.swap, { usage: 0, max: 0, limit: 0, failcnt: 0 });
  assert.equal(s.memory.raw.total_inactive_file, 4096);
  assert.deepEqual(s.pids, { current: 1, limit: 0 });
  assert.deepEqual(s.blkio.ioServiceBytesRecursive, [{ major: 8, minor: 0, op: 'Read', value: 512 }]);
  assert.deepEqual(s.blkio.ioServicedRecursive, []);
  const st = stateFrom({ ociVersion: '1.0.0', id: 'c1', pid: 19794, status: 'running', bundle: '/b', rootfs: 'rootfs', created: '2026-12-06T03:48:46Z', owner: 'root' });
  assert.deepEqual(st, { ociVersion: '1.0.0', id: 'c1', pid: 19794, status: 'running', bundle: '/b', created: '2026-12-06T03:48:46Z', owner: 'root' });
  assert.equal(exactJson({ memory: { limit: 2n ** 63n - 1n, swap: -1 } }), '{"memory":{"limit":9223372036854775807,"swap":-1}}');
});

test('openRuntime: our own runtime in process (unless BERTH_RUNTIME_IN_PROCESS=0), others as binaries', (t) => {
  const own = resolve(import.meta.dirname, '../../../dist/berth-runtime.mjs');
  const prev = process.env.BERTH_RUNTIME_IN_PROCESS;
  t.after(() => { if (prev === undefined) delete process.env.BERTH_RUNTIME_IN_PROCESS; else process.env.BERTH_RUNTIME_IN_PROCESS = prev; });
  delete process.env.BERTH_RUNTIME_IN_PROCESS;
  const a = openRuntime(own, '/r');
  assert.ok(a instanceof InProcessRuntime && a.inProcess && a.root === '/r');
  assert.equal(openRuntime(own, '/r'), a, 'one object per path and root');
  assert.ok(openRuntime('/usr/sbin/runc', '/r') instanceof BinaryRuntime);
  process.env.BERTH_RUNTIME_IN_PROCESS = '0';
  assert.ok(openRuntime(own, '/r') instanceof BinaryRuntime);
});

// ---- engine code paths over the test double -------------------------------------------------

function engineWithFake(t: test.TestContext): { engine: Engine; fake: FakeRuntime; add: (id: string, runtimeStatus: 'running' | 'stopped') => Promise<void> } {
  const dir = makeTemp('berth-ocirt-engine-');
  const fake = new FakeRuntime();
  const engine = new Engine({ root: join(dir, 'data'), runRoot: join(dir, 'run'), openRuntime: () => fake });
  // Records go in as create leaves them, through the same store (the engine's API has no insert).
  const seed = new EngineCore({ root: join(dir, 'data'), runRoot: join(dir, 'run') });
  t.after(() => { seed.close(); engine.close(); removeTemp(dir); });
  const add = async (id: string, runtimeStatus: 'running' | 'stopped') => {
    const b = join(dir, 'b', id);
    mkdirSync(b, { recursive: true });
    writeFileSync(join(b, 'config.json'), JSON.stringify({ process: { args: ['sleep'] } }));
    await fake.create(id, { bundle: b });
    await fake.start(id);
    if (runtimeStatus === 'stopped') await fake.kill(id, 9);
    // The engine's record says running; this process stands in for the container's (alive).
    const state = { ...initialState(), status: 'running' as const, pid: process.pid };
    seed.store.insert({ id, name: `n-${id}`, created: new Date().toISOString(), config: { runtime: fake.path, autoRemove: false } as ContainerConfig, state });
  };
  return { engine, fake, add };
}

test('engine over the test double: pause, update and kill call the interface and map its errors', async (t) => {
  const { engine, fake, add } = engineWithFake(t);
  await add('a'.repeat(64), 'running');
  const id = 'a'.repeat(64);
  await engine.containers.pause(id);
  assert.equal((await fake.state(id)).status, 'paused');
  assert.equal(engine.containers.get(id).state.paused, true);
  await engine.containers.unpause(id);
  await engine.containers.update(id, { memory: 1 << 26, cpus: 0.5, pidsLimit: 0 });
  assert.ok(fake.calls.includes(`update ${id}`));
  assert.equal((await fake.stats(id)).memory.usage.limit, 1 << 26);

  // The runtime says the process is gone while the engine's record still says running.
  await add('b'.repeat(64), 'stopped');
  const gone = 'b'.repeat(64);
  await assert.rejects(engine.containers.pause(gone), (e: unknown) => e instanceof EngineError && /^Cannot pause container b+: container not running \(stopped\)$/.test(e.message));
  await assert.rejects(engine.containers.update(gone, { memory: 1 << 26 }), (e: unknown) => e instanceof EngineError && /Cannot update container b+: cannot update a stopped container/.test(e.message));
  await assert.rejects(engine.containers.kill(gone, 'SIGTERM'), (e: unknown) => e instanceof EngineError && /Cannot kill container: b+: container not running/.test(e.message));
  assert.equal(engine.runtime, fake, 'the engine exposes its runtime');
});
