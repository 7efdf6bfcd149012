// GetContainerEvents through berth's own gRPC client: a container of a pod (on the node's
// network: no CNI needed; the built-in busybox) created, started, stopped and removed, each
// event streamed with the container's status while it exists.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { credentials } from '@grpc/grpc-js';
import { criServices } from '../../../src/cri/index.ts';
import { isRoot } from '../../helpers/rootfs.ts';
import { criFixture } from './harness.ts';
import { defer } from '../../helpers/cleanup.ts';

const skip = !isRoot && 'needs root';

interface Ev { containerId: string; containerEventType: string; containersStatuses: { state: string }[]; podSandboxStatus: { id: string } | null }

test('GetContainerEvents streams a pod container\'s created, started, stopped and deleted', { skip, timeout: 300_000 }, async (t) => {
  const { tmp, client: c, socket: sock } = await criFixture(t, 'events');
  const raw = new (criServices().RuntimeService.Client)(`unix://${join(tmp, 'cri.sock')}`, credentials.createInsecure()) as unknown as { GetContainerEvents(req: object): NodeJS.ReadableStream & { cancel(): void }; close(): void };
  defer(t, () => raw.close());
  const events: Ev[] = [];
  const stream = raw.GetContainerEvents({});
  stream.on('data', (e: Ev) => events.push(e));
  stream.on('error', () => { /* cancelled at the end */ });

  const { podSandboxId } = await c.runtime.RunPodSandbox({ config: {
    metadata: { name: 'ev', namespace: 'ns', uid: 'uid-ev' },
    linux: { securityContext: { namespaceOptions: { network: 'NODE', pid: 'CONTAINER', ipc: 'POD' } } },
  } }) as { podSandboxId: string };
  // The stream follows from the moment berthd takes the call (on its own connection, later on a
  // loaded machine): probe containers are made until one's creation comes through, then the
  // container under test, whose every event must.
  for (let n = 0, end = Date.now() + 60_000; ; n++) {
    if (Date.now() > end) assert.fail('the event stream never delivered a probe container\'s creation');
    const probe = (await c.runtime.CreateContainer({ podSandboxId, config: { metadata: { name: `probe-${n}` }, image: { image: 'busybox' }, command: ['true'] } }) as { containerId: string }).containerId;
    for (const wait = Date.now() + 2000; !events.some((e) => e.containerId === probe) && Date.now() < wait;) await new Promise((r) => setTimeout(r, 50));
    await c.runtime.RemoveContainer({ containerId: probe });
    if (events.some((e) => e.containerId === probe)) break;
  }
  const { containerId } = await c.runtime.CreateContainer({ podSandboxId, config: { metadata: { name: 'box' }, image: { image: 'busybox' }, command: ['sleep', '100'] } }) as { containerId: string };
  await c.runtime.StartContainer({ containerId });
  await c.runtime.StopContainer({ containerId, timeout: 1 });
  await c.runtime.RemoveContainer({ containerId });
  for (const end = Date.now() + 60_000; !events.some((e) => e.containerId === containerId && e.containerEventType === 'CONTAINER_DELETED_EVENT') && Date.now() < end;) await new Promise((r) => setTimeout(r, 50));
  stream.cancel();
  const mine = events.filter((e) => e.containerId === containerId);
  assert.deepEqual(mine.map((e) => e.containerEventType), ['CONTAINER_CREATED_EVENT', 'CONTAINER_STARTED_EVENT', 'CONTAINER_STOPPED_EVENT', 'CONTAINER_DELETED_EVENT']);
  assert.equal(mine[1].containersStatuses[0].state, 'CONTAINER_RUNNING');
  assert.equal(mine[1].podSandboxStatus?.id, podSandboxId);
  assert.deepEqual(mine[3].containersStatuses, []);
});
