// CreateContainer has the container created in the runtime ahead of StartContainer (conmon,
// the relayed create; its process waits for the runtime's start): through berth's own gRPC
// client, that container is started by StartContainer, goes (process and monitor) with a
// container removed or stopped unstarted and with its pod's stop, and goes by itself when no
// start comes in time (a later start then does it all). A pod on the node's network: no CNI needed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isRoot } from '../../helpers/rootfs.ts';
import { pidsMentioning } from '../interop/support.ts';
import { criFixture } from './harness.ts';

const skip = !isRoot && 'needs root';

/** conmon processes of one container (its id is on conmon's command line). */
const monitorsOf = (id: string) => pidsMentioning(id).filter((pid) => {
  try { return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'conmon'; } catch { return false; }
});

async function until(what: string, f: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!f()) {
    if (Date.now() > end) assert.fail(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('a container created in the runtime ahead: started by StartContainer, gone with the container, expired unused', { skip, timeout: 300_000 }, async (t) => {
  const { tmp, client: c } = await criFixture(t, 'pre');
  const { podSandboxId } = await c.runtime.RunPodSandbox({ config: {
    metadata: { name: 'pre', namespace: 'ns', uid: 'uid-pre' },
    linux: { securityContext: { namespaceOptions: { network: 'NODE', pid: 'CONTAINER', ipc: 'POD' } } },
  } }) as { podSandboxId: string };
  const create = async (name: string) => (await c.runtime.CreateContainer({
    podSandboxId, config: { metadata: { name }, image: { image: 'busybox' }, command: ['sleep', '100'] },
  }) as { containerId: string }).containerId;
  const inRuntime = (id: string) => existsSync(join(tmp, 'run', 'runtime', id));
  const state = async (id: string) => (await c.runtime.ContainerStatus({ containerId: id }) as { status: { state: string } }).status.state;

  // Started: the prelaunched monitor is the container's monitor (one conmon, running).
  // (conmon forks into the background as it starts: briefly two processes, or none yet exec'd.)
  const started = await create('started');
  await until('CreateContainer left a monitor waiting', () => monitorsOf(started).length === 1, 60_000);
  await until('the container is created in the runtime before its start', () => inRuntime(started), 60_000);
  assert.equal(await state(started), 'CONTAINER_CREATED');
  await c.runtime.StartContainer({ containerId: started });
  assert.equal(await state(started), 'CONTAINER_RUNNING');
  assert.equal(monitorsOf(started).length, 1);

  // Removed before any start: its monitor goes with it.
  const unstarted = await create('unstarted');
  await until('the unstarted container\'s monitor waits', () => monitorsOf(unstarted).length === 1, 60_000);
  await until('the unstarted container is created in the runtime', () => inRuntime(unstarted), 60_000);
  await c.runtime.RemoveContainer({ containerId: unstarted });
  assert.equal(inRuntime(unstarted), false, 'its runtime record goes with it');
  await until('the unstarted container\'s monitor ends', () => monitorsOf(unstarted).length === 0, 60_000);
  assert.deepEqual(pidsMentioning(unstarted), [], 'no process of it is left');

  // Its process gone before the start (a stop of the created container): the start does it all.
  const stoppedFirst = await create('stopped-first');
  await until('created in the runtime', () => inRuntime(stoppedFirst), 60_000);
  await c.runtime.StopContainer({ containerId: stoppedFirst, timeout: 0 });
  assert.equal(inRuntime(stoppedFirst), false);
  await c.runtime.StartContainer({ containerId: stoppedFirst });
  assert.equal(await state(stoppedFirst), 'CONTAINER_RUNNING');

  // Left created: the monitor ends by itself (10 s); a start afterwards still works.
  const late = await create('late');
  await until('the late container\'s monitor waits', () => monitorsOf(late).length === 1, 60_000);
  const waiting = Date.now();
  await until('the unused monitor expires', () => monitorsOf(late).length === 0, 60_000);
  assert.ok(Date.now() - waiting > 5000, 'the monitor waited for its start a while (10 s)');
  // The runtime's delete kills the process (its monitor then exits) before it removes its record.
  await until('the runtime\'s record of it is gone', () => !inRuntime(late), 60_000);
  assert.equal(await state(late), 'CONTAINER_CREATED');
  await c.runtime.StartContainer({ containerId: late });
  assert.equal(await state(late), 'CONTAINER_RUNNING');

  // Still waiting for its start when the pod stops: it goes with the pod's processes.
  const inPod = await create('in-pod');
  await until('created in the runtime', () => inRuntime(inPod), 60_000);
  await c.runtime.StopPodSandbox({ podSandboxId });
  assert.equal(inRuntime(inPod), false, 'StopPodSandbox ended the container created ahead');
  assert.deepEqual(monitorsOf(inPod), [], 'and its monitor');
  await c.runtime.RemovePodSandbox({ podSandboxId });
  for (const id of [started, stoppedFirst, late, inPod]) assert.deepEqual(monitorsOf(id), [], `no monitor of ${id} is left`);
});
