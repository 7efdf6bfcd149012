// docker's container, volume and prune filters as the engine evaluates them, over a real engine
// store in a temp root (records inserted as create would leave them; nothing is started: a
// "running" record's pid is this process, so the exit check keeps it running).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EngineCore } from '../../../src/engine/core.ts';
import { ContainerService, InvalidFilterError, parseFilterList, VolumeService, type ContainerRecord, type Filters, type ListedContainer } from '../../../src/engine/index.ts';
import { pruneMatcher } from '../../../src/engine/filters.ts';
import { initialState, type ContainerConfig } from '../../../src/engine/types.ts';
import { containerConfig } from '../../helpers/container-config.ts';

const config = (over: Partial<ContainerConfig> = {}): ContainerConfig => containerConfig(over);

function setup(t: { after(fn: () => void): void }) {
  const dir = mkdtempSync(join(tmpdir(), 'berth-filters-'));
  const core = new EngineCore({ root: join(dir, 'root'), runRoot: join(dir, 'run') });
  t.after(() => { core.close(); rmSync(dir, { recursive: true, force: true }); });
  let n = 0;
  const add = (name: string, c: Partial<ContainerConfig>, s: Partial<ContainerRecord['state']> = {}): ContainerRecord => {
    n++;
    const rec: ContainerRecord = {
      id: `${String(n).repeat(4)}${'0'.repeat(60)}`, name, created: new Date(Date.UTC(2026, 0, 1, 0, n)).toISOString(),
      config: config(c), state: { ...initialState(), ...s },
    };
    core.store.insert(rec);
    return rec;
  };
  const running = { status: 'running' as const, pid: process.pid, conmonPid: process.pid, startedAt: new Date().toISOString() };
  add('web', { labels: { tier: 'front', app: 'shop' }, publish: [{ hostIP: '', hostPort: 8080, containerPort: 80, protocol: 'tcp' }], exposedPorts: ['80/tcp', '443/tcp'] }, running);
  add('db', { labels: { tier: 'back' }, networkMode: 'backend', mounts: [{ type: 'volume', source: 'dbdata', target: '/var/lib/db', readOnly: false, options: [] }] }, running);
  add('batch', { image: 'alpine', imageName: 'docker.io/library/alpine:3', imageId: 'sha256:bbbb2222' }, { status: 'exited', exitCode: 3, finishedAt: new Date().toISOString() });
  add('fresh', { extraNetworks: ['backend'], publish: [{ hostIP: '', hostPort: 0, containerPort: 53, protocol: 'udp' }] });
  add('frozen', {}, { ...running, paused: true });
  return { core, containers: new ContainerService(core), volumes: new VolumeService(core) };
}

const names = (recs: ListedContainer[]) => recs.map((r) => r.name).sort();

test('without filters: running (and paused) containers unless all; newest first; last', (t) => {
  const { containers } = setup(t);
  assert.deepEqual(names(containers.list()), ['db', 'frozen', 'web']);
  assert.deepEqual(containers.list({ all: true }).map((r) => r.name), ['frozen', 'fresh', 'batch', 'db', 'web']);
  assert.deepEqual(containers.list({ last: 2 }).map((r) => r.name), ['frozen', 'fresh']);
});

test('each container filter selects what docker selects', (t) => {
  const { containers } = setup(t);
  const sel = (filters: Filters) => names(containers.list({ all: true, filters }));
  assert.deepEqual(sel({ id: ['2222'] }), ['db']);
  assert.deepEqual(sel({ name: ['^b'] }), ['batch']);
  assert.deepEqual(sel({ name: ['e'] }), ['fresh', 'frozen', 'web']);
  assert.deepEqual(sel({ label: ['tier'] }), ['db', 'web']);
  assert.deepEqual(sel({ label: ['tier=front'] }), ['web']);
  // label= is docker's exception (moby's MatchKVList): every label given must hold.
  assert.deepEqual(sel({ label: ['tier', 'app=shop'] }), ['web'], 'every label= must hold');
  assert.deepEqual(sel({ name: ['^web$', '^db$'] }), ['db', 'web'], 'values of one key are alternatives');
  assert.deepEqual(sel({ status: ['running'] }), ['db', 'web'], 'a paused container is not "running"');
  assert.deepEqual(sel({ status: ['paused'] }), ['frozen']);
  assert.deepEqual(sel({ status: ['created', 'exited'] }), ['batch', 'fresh']);
  assert.deepEqual(sel({ exited: ['3'] }), ['batch']);
  assert.deepEqual(sel({ exited: ['0'] }), []);
  assert.deepEqual(sel({ ancestor: ['alpine'] }), ['batch']);
  assert.deepEqual(sel({ ancestor: ['docker.io/library/busybox:latest'] }), ['db', 'fresh', 'frozen', 'web']);
  assert.deepEqual(sel({ ancestor: ['bbbb'] }), ['batch'], 'an image id prefix without sha256:');
  assert.deepEqual(sel({ network: ['backend'] }), ['db', 'fresh'], 'the network mode or a connected network');
  assert.deepEqual(sel({ volume: ['dbdata'] }), ['db']);
  assert.deepEqual(sel({ volume: ['/var/lib/db'] }), ['db']);
  assert.deepEqual(sel({ before: ['batch'] }), ['db', 'web']);
  assert.deepEqual(sel({ since: ['batch'] }), ['fresh', 'frozen']);
  assert.deepEqual(sel({ health: ['none'] }).length, 5);
  assert.deepEqual(sel({ health: ['healthy'] }), []);
  assert.deepEqual(sel({ 'is-task': ['true'] }), []);
  assert.deepEqual(sel({ 'is-task': ['false'] }).length, 5);
  assert.deepEqual(sel({ publish: ['80'] }), ['web']);
  assert.deepEqual(sel({ publish: ['8080'] }), [], 'publish names the container port');
  assert.deepEqual(sel({ publish: ['50-60/udp'] }), ['fresh']);
  assert.deepEqual(sel({ publish: ['53'] }), [], 'tcp unless a protocol is given');
  assert.deepEqual(sel({ expose: ['443'] }), ['web'], "the image's exposed ports");
  assert.deepEqual(sel({ expose: ['80/tcp'], label: ['tier=back'] }), [], 'different keys must all match');
});

test('a status or exited filter lists stopped containers without all', (t) => {
  const { containers } = setup(t);
  assert.deepEqual(names(containers.list({ filters: { status: ['exited'] } })), ['batch']);
  assert.deepEqual(names(containers.list({ filters: { exited: ['3'] } })), ['batch']);
});

test('unknown keys and unreadable values are InvalidFilterErrors, not empty lists', (t) => {
  const { containers } = setup(t);
  const bad: Filters[] = [
    { colour: ['red'] }, { status: ['sleeping'] }, { exited: ['x'] }, { health: ['ok'] }, { 'is-task': ['maybe'] },
    { publish: ['http'] }, { expose: ['70000'] }, { publish: ['90-80'] }, { before: ['no-such'] }, { name: ['('] },
  ];
  for (const f of bad) assert.throws(() => containers.list({ filters: f }), InvalidFilterError, JSON.stringify(f));
});

test('parseFilterList groups the CLI\'s k=v strings; a string without = is refused', () => {
  assert.deepEqual(parseFilterList(['label=a=b', 'label=c', 'status=exited']), { label: ['a=b', 'c'], status: ['exited'] });
  assert.deepEqual(parseFilterList([]), {});
  assert.throws(() => parseFilterList(['dangling']), InvalidFilterError);
  assert.throws(() => parseFilterList(['=x']), InvalidFilterError);
});

test('volume filters: dangling, name, label; unknown keys refused', (t) => {
  const { core, volumes } = setup(t);
  core.store.ensureVolume('dbdata', { keep: 'yes' });
  core.store.ensureVolume('scratch', {});
  const sel = (f: Filters) => volumes.list(f).map((v) => v.name);
  assert.deepEqual(sel({ dangling: ['true'] }), ['scratch']);
  assert.deepEqual(sel({ dangling: ['false'] }), ['dbdata']);
  assert.deepEqual(sel({ name: ['scr'] }), ['scratch']);
  assert.deepEqual(sel({ label: ['keep=yes'] }), ['dbdata']);
  assert.throws(() => volumes.list({ size: ['1'] }), InvalidFilterError);
  assert.throws(() => volumes.list({ dangling: ['perhaps'] }), InvalidFilterError);
});

test('prune filters: until, label and label!', () => {
  const m = pruneMatcher({ until: ['2026-01-01T00:10:00Z'], label: ['a'], 'label!': ['keep=1'] });
  assert.equal(m('2026-01-01T00:05:00Z', { a: 'x' }), true);
  assert.equal(m('2026-01-01T00:15:00Z', { a: 'x' }), false, 'created after until');
  assert.equal(m('2026-01-01T00:05:00Z', {}), false, 'label missing');
  assert.equal(m('2026-01-01T00:05:00Z', { a: 'x', keep: '1' }), false, 'label! matched');
  assert.throws(() => pruneMatcher({ until: ['tomorrow'] }), InvalidFilterError);
  assert.throws(() => pruneMatcher({ dangling: ['true'] }), InvalidFilterError);
});

test('list brings running records up to date as refresh does: an exit file, a vanished monitor; stopped ones untouched', async (t) => {
  const { core, containers } = setup(t);
  // A pid that surely is gone: a child that exited and was reaped.
  const { spawnSync } = await import('node:child_process');
  const gone = spawnSync('/bin/true').pid!;
  const running = { status: 'running' as const, startedAt: new Date().toISOString() };
  const mk = (name: string, pid: number) => {
    const rec: ContainerRecord = { id: `${name.padEnd(8, 'x')}${'f'.repeat(56)}`, name, created: new Date().toISOString(), config: config(), state: { ...initialState(), ...running, pid, conmonPid: pid } };
    core.store.insert(rec);
    return rec;
  };
  const exited = mk('exitfile', process.pid);
  const { mkdirSync, writeFileSync } = await import('node:fs');
  mkdirSync(core.paths.exits, { recursive: true });
  writeFileSync(core.exitFile(exited.id), '7');
  mk('vanished', gone);
  const live = containers.list().map((r) => r.name).sort();
  assert.deepEqual(live, ['db', 'frozen', 'web'], 'the exited and the vanished are no longer listed as running');
  const all = new Map(containers.list({ all: true }).map((r) => [r.name, r.state]));
  assert.equal(all.get('exitfile')?.status, 'exited');
  assert.equal(all.get('exitfile')?.exitCode, 7);
  assert.equal(all.get('vanished')?.status, 'exited');
  assert.equal(all.get('vanished')?.exitCode, 137);
  assert.equal(all.get('batch')?.exitCode, 3);
  // Saved: a plain read of the store sees the same.
  assert.equal(core.store.get(exited.id)?.state.status, 'exited');
});
