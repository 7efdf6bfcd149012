// The listing's caches in a long-lived engine (berthd): parsed configs reused while their row's
// text is unchanged, and each running container's /proc/PID/stat kept open. The writer here is a
// second store on the same database (another connection, as another CLI process would be): every
// change it makes must show in the reader's very next listing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueryEngine } from '../../../src/engine/query.ts';
import { StoreCore } from '../../../src/engine/store-core.ts';
import { initialState, type ContainerConfig, type ContainerRecord, type ListedContainer } from '../../../src/engine/types.ts';
import { containerConfig } from '../../helpers/container-config.ts';

/** Records here are on no network. */
const config = (over: Partial<ContainerConfig> = {}): ContainerConfig => containerConfig({ networkMode: 'none', ...over });

function setup(t: { after(fn: () => void): void }) {
  const dir = mkdtempSync(join(tmpdir(), 'berth-list-cache-'));
  const opts = { root: join(dir, 'root'), runRoot: join(dir, 'run') };
  const reader = new QueryEngine(opts);
  const writer = new StoreCore(opts);
  // Both databases opened now, so that the tests' fd counts see only the listing's own.
  void writer.store;
  reader.containers.list();
  const children: ChildProcess[] = [];
  t.after(() => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    reader.close(); writer.close(); rmSync(dir, { recursive: true, force: true });
  });
  let n = 0;
  const add = (name: string, c: Partial<ContainerConfig> = {}, s: Partial<ContainerRecord['state']> = {}): ContainerRecord => {
    n++;
    const rec: ContainerRecord = {
      id: `${String(n).repeat(4)}${'0'.repeat(60)}`, name, created: new Date(Date.UTC(2026, 0, 1, 0, n)).toISOString(),
      config: config(c), state: { ...initialState(), ...s },
    };
    writer.store.insert(rec);
    return rec;
  };
  /** A real process standing in for a container's init (its monitor: none, pid 0). */
  const proc = () => { const c = spawn('sleep', ['1000'], { stdio: 'ignore' }); children.push(c); return c; };
  const running = (pid: number) => ({ status: 'running' as const, pid, conmonPid: 0, startedAt: new Date().toISOString() });
  return { reader, writer, add, proc, running };
}

const names = (recs: ListedContainer[]) => recs.map((r) => r.name);

test('a config is parsed once while its row is unchanged, again as soon as another connection changes it', (t) => {
  const { reader, writer, add } = setup(t);
  const a = add('a', { labels: { v: '1' } });
  const first = reader.containers.list({ all: true })[0];
  assert.equal(reader.containers.list({ all: true })[0].config, first.config, 'unchanged text: the parsed config is reused');
  writer.store.saveConfig(a.id, config({ labels: { v: '2' } }));
  const next = reader.containers.list({ all: true })[0];
  assert.notEqual(next.config, first.config);
  assert.deepEqual(next.config.labels, { v: '2' });
  // The state is read afresh at every listing (it is not part of the cache).
  writer.store.saveState(a.id, { ...initialState(), status: 'exited', exitCode: 3 });
  assert.equal(reader.containers.list({ all: true })[0].state.exitCode, 3);
});

test('creates, renames and removes by another connection show in the next listing; a removed id leaves the cache', (t) => {
  const { reader, writer, add } = setup(t);
  add('a');
  assert.deepEqual(names(reader.containers.list({ all: true })), ['a']);
  const b = add('b', { labels: { x: 'old' } });
  assert.deepEqual(names(reader.containers.list({ all: true })), ['b', 'a']);
  writer.store.rename(b.id, 'b2');
  assert.deepEqual(names(reader.containers.list({ all: true })), ['b2', 'a']);
  writer.store.delete(b.id);
  assert.deepEqual(names(reader.containers.list({ all: true })), ['a']);
  // The same id made again with another config: the old parse must not come back.
  writer.store.insert({ ...b, name: 'b3', config: config({ labels: { x: 'new' } }) });
  const again = reader.containers.list({ all: true }).find((r) => r.id === b.id)!;
  assert.equal(again.name, 'b3');
  assert.deepEqual(again.config.labels, { x: 'new' });
});

test('listed configs are shared, hence frozen; get() hands out a config of its own to change', (t) => {
  const { reader, writer, add } = setup(t);
  const a = add('a', { labels: { k: 'v' } });
  const listed = reader.containers.list({ all: true })[0].config;
  // The type says so too (ListedContainer): these compile only against the type checker's
  // objection, and throw at run time.
  // @ts-expect-error: a listed config is read-only
  assert.throws(() => { listed.labels.k = 'changed'; }, TypeError);
  // @ts-expect-error: its arrays as well
  assert.throws(() => { listed.cmd.push('x'); }, TypeError);
  const own = writer.get(a.id).config;
  own.labels.k = 'mine';
  assert.equal(reader.containers.list({ all: true })[0].config.labels.k, 'v');
});

test('a running container whose process is killed lists as exited at once, after listings that kept its /proc fd', async (t) => {
  const { reader, add, proc, running } = setup(t);
  const p = proc();
  const fds = () => readdirSync('/proc/self/fd').length;
  const fds0 = fds();
  add('r', {}, running(p.pid!));
  for (let i = 0; i < 3; i++) assert.deepEqual(names(reader.containers.list()), ['r']);
  assert.equal(fds(), fds0 + 1, 'the process\'s stat file is kept open between listings');
  p.kill('SIGKILL');
  await new Promise((r) => p.once('exit', r));
  assert.deepEqual(names(reader.containers.list()), [], 'a stale fd must not keep it running');
  const rec = reader.containers.list({ all: true })[0];
  assert.equal(rec.state.status, 'exited');
  assert.equal(rec.state.exitCode, 137);
  assert.equal(fds(), fds0, 'its fd closed');
});

test('an exit file written by the monitor (another process) ends it at the next listing, and its fd goes', (t) => {
  const { reader, writer, add, proc, running } = setup(t);
  const p = proc();
  const fds0 = readdirSync('/proc/self/fd').length;
  const r = add('r', {}, running(p.pid!));
  assert.deepEqual(names(reader.containers.list()), ['r']);
  writeFileSync(writer.exitFile(r.id), '7');
  assert.deepEqual(names(reader.containers.list()), []);
  assert.equal(reader.containers.list({ all: true })[0].state.exitCode, 7);
  assert.equal(readdirSync('/proc/self/fd').length, fds0, 'no fd left for it');
});

test('no fd outlives what listings see: a container stopped by another process, and single lookups', (t) => {
  const { reader, writer, add, proc, running } = setup(t);
  const p = proc();
  const fds = () => readdirSync('/proc/self/fd').length;
  const fds0 = fds();
  const r = add('r', {}, running(p.pid!));
  assert.deepEqual(names(reader.containers.list()), ['r']);
  assert.equal(fds(), fds0 + 1);
  // Stopped and removed through the other connection, its process still up: the next listing
  // (nothing running any more) lets the fd go.
  writer.store.saveState(r.id, { ...initialState(), status: 'exited', exitCode: 0 });
  writer.store.delete(r.id);
  assert.deepEqual(names(reader.containers.list({ all: true })), []);
  assert.equal(fds(), fds0, 'the fd of a container no listing shows is closed');
  // A single lookup reads the process's state and keeps nothing open.
  const s = add('s', {}, running(p.pid!));
  assert.equal(reader.containers.inspect(s.id).state.status, 'running');
  assert.equal(fds(), fds0, 'a lookup holds no fd');
});
