// CreateContainer starts the container's monitor ahead of StartContainer (conmon waiting on
// berth-relay): through berth's own gRPC client, that monitor is taken over by the start, goes
// with a container removed unstarted, and goes by itself when no start comes in time (a later
// start then launches its own). A pod on the node's network: no CNI needed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildBusyboxImage, Engine } from '../../../src/engine/index.ts';
import { CriServer } from '../../../src/cri/index.ts';
import { criClient } from '../../helpers/cri-client.ts';
import { isRoot, makeTemp, removeTemp } from '../../helpers/rootfs.ts';
import { pidsMentioning } from '../interop/support.ts';
import { defaultRuntime } from '../engine/harness.ts';

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

test('a created container\'s prelaunched monitor: taken by the start, gone with the container, expired unused', { skip, timeout: 300_000 }, async (t) => {
  const tmp = makeTemp('berth-test-cri-pre-');
  const engine = new Engine({ root: join(tmp, 'root'), runRoot: join(tmp, 'run'), runtime: defaultRuntime(), cgroupParent: `berth-test-cripre-${process.pid}`, cniConfDir: join(tmp, 'none') });
  await buildBusyboxImage(join(tmp, 'root'));
  const server = new CriServer({ engine, version: 't', log: () => {} }, join(tmp, 'cri.sock'));
  await server.listen();
  const c = criClient(join(tmp, 'cri.sock'));
  t.after(async () => {
    for (const p of engine.pods.list()) await engine.pods.remove(p.id, { force: true }).catch(() => {});
    c.close();
    await server.close();
    engine.close();
    removeTemp(tmp);
  });
  const { podSandboxId } = await c.runtime.RunPodSandbox({ config: {
    metadata: { name: 'pre', namespace: 'ns', uid: 'uid-pre' },
    linux: { securityContext: { namespaceOptions: { network: 'NODE', pid: 'CONTAINER', ipc: 'POD' } } },
  } }) as { podSandboxId: string };
  const create = async (name: string) => (await c.runtime.CreateContainer({
    podSandboxId, config: { metadata: { name }, image: { image: 'busybox' }, command: ['sleep', '100'] },
  }) as { containerId: string }).containerId;
  const state = async (id: string) => (await c.runtime.ContainerStatus({ containerId: id }) as { status: { state: string } }).status.state;

  // Started: the prelaunched monitor is the container's monitor (one conmon, running).
  // (conmon forks into the background as it starts: briefly two processes, or none yet exec'd.)
  const started = await create('started');
  await until('CreateContainer left a monitor waiting', () => monitorsOf(started).length === 1, 5000);
  await c.runtime.StartContainer({ containerId: started });
  assert.equal(await state(started), 'CONTAINER_RUNNING');
  assert.equal(monitorsOf(started).length, 1);

  // Removed before any start: its monitor goes with it.
  const unstarted = await create('unstarted');
  await until('the unstarted container\'s monitor waits', () => monitorsOf(unstarted).length === 1, 5000);
  await c.runtime.RemoveContainer({ containerId: unstarted });
  await until('the unstarted container\'s monitor ends', () => monitorsOf(unstarted).length === 0, 5000);

  // Left created: the monitor ends by itself (10 s); a start afterwards still works.
  const late = await create('late');
  await until('the late container\'s monitor waits', () => monitorsOf(late).length === 1, 5000);
  const waiting = Date.now();
  await until('the unused monitor expires', () => monitorsOf(late).length === 0, 20_000);
  assert.ok(Date.now() - waiting > 5000, 'the monitor waited for its start a while (10 s)');
  assert.equal(await state(late), 'CONTAINER_CREATED');
  await c.runtime.StartContainer({ containerId: late });
  assert.equal(await state(late), 'CONTAINER_RUNNING');

  await c.runtime.StopPodSandbox({ podSandboxId });
  await c.runtime.RemovePodSandbox({ podSandboxId });
  for (const id of [started, late]) assert.deepEqual(monitorsOf(id), [], `no monitor of ${id} is left`);
});
