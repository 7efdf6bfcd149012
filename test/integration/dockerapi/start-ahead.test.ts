// berthd starts a container's monitor at create for the start that usually follows (docker
// run; the engine's startAhead, src/engine/containers/start-ahead.ts). What must hold whatever
// the timing: a start long after the create (the monitor dropped meanwhile) still runs the
// container, an AutoRemove one included
// (the dropped monitor's exit command must not remove it); an rm before any start leaves no
// monitor, nor does a removal by another process once berthd stops; run --rm and run -d behave
// as before; nothing leaks.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { isRoot } from '../../helpers/rootfs.ts';
import { assertNoLeaks, snapshot, waitFor, type HostSnapshot } from '../engine/harness.ts';
import { pidsMentioning } from '../interop/support.ts';
import { AHEAD_MS } from '../../../src/dockerapi/containers-create.ts';
import { ApiDaemon, Berth, DOCKER } from './harness.ts';
import { existsSync, readFileSync } from 'node:fs';

const skip = !isRoot ? 'needs root' : !existsSync(DOCKER) ? `needs ${DOCKER}` : false;

let b: Berth;
let api: ApiDaemon;
let before0: HostSnapshot;

before(async () => {
  if (skip) return;
  b = new Berth();
  await b.ok(['image', 'build-busybox']);
  before0 = snapshot(b);
  api = new ApiDaemon(b);
  await api.start();
});

after(async () => {
  if (skip) return;
  await api?.stop();
  await b.teardown();
});

/** conmon processes of one container (its id is on their command line). */
const monitors = (id: string) => pidsMentioning(id.slice(0, 16)).length;
/** Those processes' command lines and parents, for a failure's message. */
const processes = (id: string) => pidsMentioning(id.slice(0, 16)).map((p) => {
  try {
    const ppid = readFileSync(`/proc/${p}/stat`, 'latin1').split(') ')[1].split(' ')[1];
    return `${p} (parent ${ppid}): ${readFileSync(`/proc/${p}/cmdline`, 'latin1').split('\0').join(' ').slice(0, 300)}`;
  } catch { return `${p} (gone)`; }
}).join('\n');

test('run --rm and run -d through the monitor started at create', { skip }, async () => {
  assert.equal((await api.ok(['run', '--rm', '--network', 'none', 'busybox', 'echo', 'ahead'])).trim(), 'ahead');
  const r = await api.docker(['run', '--rm', '--network', 'none', 'busybox', 'sh', '-c', 'exit 5']);
  assert.equal(r.code, 5);
  const id = (await api.ok(['run', '-d', '--network', 'none', 'busybox', 'sleep', '100'])).trim();
  assert.match(await api.ok(['ps', '--format', '{{.ID}} {{.Status}}']), new RegExp(`^${id.slice(0, 12)} Up`, 'm'));
  await api.ok(['rm', '-f', id]);
  assert.equal((await api.ok(['ps', '-aq'])).trim(), '');
});

test('a start long after create runs the container; an AutoRemove one is not removed by the dropped monitor', { skip }, async () => {
  const plain = (await api.ok(['create', '--network', 'none', 'busybox', 'echo', 'later'])).trim();
  const rm = (await api.ok(['create', '--rm', '--network', 'none', 'busybox', 'echo', 'later-rm'])).trim();
  await waitFor(async () => monitors(plain) > 0, 60_000); // a monitor waits for the start
  await sleep(AHEAD_MS + 1500);
  await waitFor(async () => monitors(plain) === 0 && monitors(rm) === 0, 60_000);
  // Both still there, never started.
  const ps = await api.ok(['ps', '-a', '--no-trunc', '--format', '{{.ID}} {{.Status}}']);
  assert.match(ps, new RegExp(`^${plain} Created`, 'm'));
  assert.match(ps, new RegExp(`^${rm} Created`, 'm'));
  assert.equal((await api.ok(['start', '-a', plain])).trim(), 'later');
  assert.equal((await api.ok(['start', '-a', rm])).trim(), 'later-rm');
  await waitFor(async () => !(await api.ok(['ps', '-aq', '--no-trunc'])).includes(rm), 60_000);
  await api.ok(['rm', plain]);
});

test('rm before start ends the waiting monitor at once', { skip }, async () => {
  for (const flags of [[], ['--rm']]) {
    const id = (await api.ok(['create', ...flags, '--network', 'none', 'busybox', 'true'])).trim();
    await api.ok(['rm', id]);
    assert.equal(monitors(id), 0, `no monitor left after rm (${flags.join(' ') || 'no flags'})`);
  }
});

test('a removal berthd does not see (the plain CLI: rm, container prune) leaves no monitor once berthd stops', { skip }, async () => {
  const plain = (await api.ok(['create', '--network', 'none', 'busybox', 'true'])).trim();
  const rm = (await api.ok(['create', '--rm', '--network', 'none', 'busybox', 'true'])).trim();
  await waitFor(async () => monitors(plain) > 0 && monitors(rm) > 0, 60_000);
  // Another process against the same root: berthd's engine learns of neither removal.
  await b.ok(['rm', plain]);
  await b.ok(['container', 'prune', '-f']);
  assert.doesNotMatch(await b.ok(['ps', '-a', '--no-trunc']), new RegExp(`${plain}|${rm}`));
  // berthd goes before the starts' expiry: its engine drops them, and waits for their conmon.
  await api.stop();
  assert.equal(monitors(plain), 0, `no monitor (nor its exit command) of the container removed by rm:\n${processes(plain)}`);
  assert.equal(monitors(rm), 0, `no monitor (nor its exit command) of the container pruned:\n${processes(rm)}`);
  await api.start();
});

test('no leaks', { skip }, async () => {
  await api.stop();
  await waitFor(async () => pidsMentioning(b.tmp).length === 0, 60_000);
  assertNoLeaks(b, before0);
});
