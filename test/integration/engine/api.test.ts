// The engine's API as the Docker API, CRI and builder fronts will call it: an Engine in this
// process (the CLI's roots and runtime; conmon's exit command is the real CLI), typed results
// for list filters, stats, top, wait, events, info and df, and typed errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { isRoot } from '../../helpers/rootfs.ts';
import { cpuPercent, Engine, InvalidFilterError, NoSuchContainerError, type EngineEvent } from '../../../src/engine/index.ts';
import { assertNoLeaks, Berth, BERTH_MAIN, snapshot } from './harness.ts';

const skip = !isRoot && 'needs root';

test('containers and system through the engine API', { skip }, async (t) => {
  const b = new Berth();
  const before = snapshot(b);
  const engine = new Engine({ root: b.root, runRoot: b.runRoot, runtime: b.runtime, cgroupParent: b.cgroupParent, cli: [process.execPath, BERTH_MAIN] });
  t.after(async () => { engine.close(); await b.teardown(); });
  const c = engine.containers;

  const rec = await c.create({ image: 'busybox', name: 'berth-test-api', cmd: ['sleep', '1000'], labels: { tier: 'api' }, networkMode: 'none' });
  await c.start(rec.id);
  const done = await c.create({ image: 'busybox', name: 'berth-test-api-done', cmd: ['sh', '-c', 'exit 3'], networkMode: 'none' });
  await c.start(done.id);
  assert.deepEqual(await c.wait(done.id, 'not-running'), { exitCode: 3, removed: false });

  // Filters are the engine's: typed, checked, evaluated here.
  assert.deepEqual(c.list({ filters: { label: ['tier=api'] } }).map((r) => r.name), ['berth-test-api']);
  assert.deepEqual(c.list({ filters: { exited: ['3'] } }).map((r) => r.name), ['berth-test-api-done']);
  assert.deepEqual(c.list().map((r) => r.name), ['berth-test-api']);
  assert.throws(() => c.list({ filters: { status: ['asleep'] } }), InvalidFilterError);
  assert.throws(() => c.get('berth-test-nothing'), NoSuchContainerError);
  const ins = c.inspect('berth-test-api');
  assert.ok(existsSync(ins.bundleDir) && ins.logPath.startsWith(ins.bundleDir));

  // Stats: two samples make a CPU percentage; memory and pids come from the cgroup.
  const s1 = await c.stats('berth-test-api');
  await new Promise((r) => setTimeout(r, 200));
  const s2 = await c.stats('berth-test-api');
  assert.equal(s2.running, true);
  assert.ok(s2.pids.current >= 1, `pids ${s2.pids.current}`);
  assert.ok(s2.memory.usage > 0, `memory ${s2.memory.usage}`);
  assert.ok(s2.cpu.totalNs > 0 && s2.cpu.onlineCpus > 0);
  const pct = cpuPercent(s1, s2);
  assert.ok(pct >= 0 && pct < 100 * s2.cpu.onlineCpus + 1, `cpu ${pct}`);
  assert.equal((await c.stats('berth-test-api-done')).running, false);

  // Top: ps's table narrowed to the container, split into titles and rows.
  const top = await c.top('berth-test-api');
  assert.ok(top.titles.includes('PID'), top.titles.join(' '));
  assert.ok(top.processes.some((p) => p[p.length - 1].includes('sleep 1000')), JSON.stringify(top.processes));

  const info = engine.system.info();
  assert.equal(info.containers, 2);
  assert.equal(info.running, 1);
  const df = await engine.system.df();
  assert.equal(df.containers.total, 2);
  assert.equal(df.containers.active, 1);
  // The per-item listing (system df -v) comes with the same count: both containers, on one image.
  assert.deepEqual(df.containerRecords.map((r) => r.id).sort(), [rec.id, done.id].sort());
  assert.equal(df.imageContainers[rec.config.imageId], 2);

  // wait 'removed' resolves once rm is done; kill's 137 is the exit code it reports.
  const removed = c.wait('berth-test-api', 'removed');
  await c.kill('berth-test-api', 'KILL');
  assert.equal((await c.wait('berth-test-api', 'not-running')).exitCode, 137);
  await c.remove('berth-test-api');
  assert.deepEqual(await removed, { exitCode: 137, removed: true });

  const pruned = await c.prune();
  assert.deepEqual(pruned.removed, [done.id]);

  const events: EngineEvent[] = [];
  for await (const e of engine.system.events({ filters: { container: [rec.id] } })) events.push(e);
  // (Two processes may both notice the exit and record a die: the CLI's exit command and us.)
  assert.deepEqual([...new Set(events.map((e) => e.action))], ['create', 'start', 'die', 'destroy']);
  await assert.rejects(engine.system.events({ filters: { colour: ['red'] } }).next(), InvalidFilterError);
  assertNoLeaks(b, before);
});
