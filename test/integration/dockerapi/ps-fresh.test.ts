// berthd's listing keeps parsed configs and the running containers' /proc files between requests
// (engine/store.ts, util/proc.ts ProcessProbe). Another process (the berth CLI, over the same
// roots) changes the state while berthd serves: each change must show in berthd's very next
// GET /containers/json and `docker ps`, with no wait, and a container whose processes are
// killed from outside must stop showing as running.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { isRoot } from '../../helpers/rootfs.ts';
import { waitFor } from '../engine/harness.ts';
import { useApiFixture, type ApiDaemon, type Berth, DOCKER } from './harness.ts';

const skip = !isRoot ? 'needs root' : !existsSync(DOCKER) ? `needs the docker CLI at ${DOCKER}` : false;

let b: Berth;
let api: ApiDaemon;
const fx = useApiFixture(skip, (f) => ({ b, api } = f));

interface Summary { Id: string; Names: string[]; State: string; Status: string; Labels: Record<string, string> }

async function listed(all = false): Promise<Map<string, Summary>> {
  const r = await api.http('GET', `/v1.41/containers/json${all ? '?all=1' : ''}`);
  assert.equal(r.status, 200, r.body);
  return new Map((JSON.parse(r.body) as Summary[]).map((c) => [c.Names[0].slice(1), c]));
}

/** `docker ps` (the real CLI against berthd): name → state. */
async function ps(all = false): Promise<Map<string, string>> {
  const out = await api.ok(['ps', ...(all ? ['-a'] : []), '--format', '{{.Names}} {{.State}}']);
  return new Map(out.trim().split('\n').filter(Boolean).map((l) => l.split(' ') as [string, string]));
}

test('create, start, stop, rename, restart and rm by the berth CLI show in berthd\'s next listing at once', { skip }, async () => {
  await listed(); // berthd has listed (and cached) before any change
  await b.ok(['create', '--name', 'pf-a', '--network', 'none', '--label', 'k=v', 'busybox', 'sleep', '1000']);
  assert.equal((await listed(true)).get('pf-a')?.State, 'created');
  assert.equal((await listed()).has('pf-a'), false, 'a created container is not running');

  await b.ok(['start', 'pf-a']);
  assert.equal((await listed()).get('pf-a')?.State, 'running');
  assert.equal((await ps()).get('pf-a'), 'running');

  await b.ok(['stop', '-t', '1', 'pf-a']);
  assert.equal((await listed()).has('pf-a'), false, 'stopped by another process: no longer listed as running');
  assert.equal((await listed(true)).get('pf-a')?.State, 'exited');
  assert.equal((await ps(true)).get('pf-a'), 'exited');

  await b.ok(['rename', 'pf-a', 'pf-b']);
  const renamed = await listed(true);
  assert.equal(renamed.has('pf-a'), false);
  assert.equal(renamed.get('pf-b')?.State, 'exited');
  assert.deepEqual(renamed.get('pf-b')?.Labels, { k: 'v' });

  // Started again: a new init process (a new pid for berthd's probe to find).
  await b.ok(['start', 'pf-b']);
  assert.equal((await listed()).get('pf-b')?.State, 'running');
  assert.equal((await ps()).get('pf-b'), 'running');

  await b.ok(['rm', '-f', 'pf-b']);
  assert.equal((await listed(true)).has('pf-b'), false);
  assert.equal((await ps(true)).has('pf-b'), false);
});

test('a running container whose monitor and init are killed from outside shows as exited', { skip }, async () => {
  await b.ok(['run', '-d', '--name', 'pf-k', '--network', 'none', 'busybox', 'sleep', '1000']);
  for (let i = 0; i < 3; i++) assert.equal((await listed()).get('pf-k')?.State, 'running');
  const [id, pid] = (await b.ok(['inspect', '--format', '{{.Id}} {{.State.Pid}}', 'pf-k'])).trim().split(' ');
  assert.ok(Number(pid) > 0, 'the container has an init pid');
  // Its parent is its conmon (checked by name and container id before anything is killed).
  const ppid = Number(readFileSync(`/proc/${pid}/stat`, 'latin1').split(') ')[1].split(' ')[1]);
  assert.match(readFileSync(`/proc/${ppid}/cmdline`, 'latin1'), new RegExp(`^conmon\0.*${id}`));
  // The monitor first (so no exit file is written), then the container's init.
  process.kill(ppid, 'SIGKILL');
  process.kill(Number(pid), 'SIGKILL');
  // The processes take a moment to die; once they have, listing must say so (a stale answer
  // would stay "running" forever).
  await waitFor(async () => !(await listed()).has('pf-k'), 30_000);
  assert.equal((await listed(true)).get('pf-k')?.State, 'exited');
  assert.equal((await ps(true)).get('pf-k'), 'exited');
  await b.ok(['rm', '-f', 'pf-k']);
});

test('nothing is left behind once berthd stops', { skip }, async () => {
  await fx.assertClean();
});
