// Lifecycle edges through the real docker CLI and raw API calls against berthd: a stop that
// lands between two runs of a restart policy (304, and the container stays stopped, as `berth
// stop` leaves it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { isRoot } from '../../helpers/rootfs.ts';
import { waitFor } from '../engine/harness.ts';
import { useApiFixture, type ApiDaemon, type Berth, DOCKER } from './harness.ts';

const skip = !isRoot ? 'needs root' : !existsSync(DOCKER) ? `needs the docker CLI at ${DOCKER}` : false;

let b: Berth;
let api: ApiDaemon;
const fx = useApiFixture(skip, (f) => ({ b, api } = f));

interface State { Status: string; Running: boolean }
async function inspect(name: string): Promise<{ State: State; RestartCount: number }> {
  const r = await api.http('GET', `/v1.44/containers/${name}/json`);
  assert.equal(r.status, 200, r.body);
  return JSON.parse(r.body) as { State: State; RestartCount: number };
}

test('stop between two runs of a restart policy: 304, and no restart follows', { skip }, async () => {
  await api.ok(['run', '-d', '--name', 'bouncer', '--restart', 'always', 'busybox', 'sh', '-c', 'sleep 0.5; exit 1']);
  try {
    // Catch it exited, its exit command about to restart it; a stop that finds it running again
    // (the restart won the race) stops it for real (204): start it and try again.
    let status = 0;
    for (let i = 0; i < 8 && status !== 304; i++) {
      await waitFor(async () => (await inspect('bouncer')).State.Status === 'exited', 20_000);
      status = (await api.http('POST', '/v1.44/containers/bouncer/stop')).status;
      if (status === 204) await api.ok(['start', 'bouncer']);
    }
    assert.equal(status, 304, 'a stop that found nothing running');
    const count = (await inspect('bouncer')).RestartCount;
    await sleep(2500);
    const after = await inspect('bouncer');
    assert.equal(after.State.Status, 'exited');
    assert.equal(after.RestartCount, count, 'the restart policy did not bring it back');
    assert.match(await b.ok(['ps', '-a', '--filter', 'name=bouncer', '--format', '{{.Status}}']), /^Exited \(1\)/);
    // A second stop: still nothing to do, still 304; the CLI takes it as success.
    assert.equal((await api.http('POST', '/v1.44/containers/bouncer/stop')).status, 304);
    assert.equal((await api.ok(['stop', 'bouncer'])).trim(), 'bouncer');
  } finally {
    await api.ok(['rm', '-f', 'bouncer']);
  }
});

test('nothing is left behind once berthd stops', { skip }, async () => {
  await fx.assertClean();
});
