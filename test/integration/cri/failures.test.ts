// CRI failures on a real engine (root: namespaces, CNI), through berth's own gRPC client: a
// sandbox whose CNI plugin fails leaves no pod, netns or infra process behind; a container in a
// stopped pod, or of an image that is not there, is refused with the right code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import { Engine } from '../../../src/engine/index.ts';
import { CriServer } from '../../../src/cri/index.ts';
import { criClient } from '../../helpers/cri-client.ts';
import { isRoot, makeTemp, removeTemp } from '../../helpers/rootfs.ts';
import { defaultRuntime } from '../engine/harness.ts';

const skip = !isRoot && 'needs root';

async function code(p: Promise<unknown>): Promise<{ code: number; details: string }> {
  try { await p; } catch (e) { return e as { code: number; details: string }; }
  assert.fail('the call succeeded');
}

test('failed sandboxes leave nothing; containers need a running pod and a stored image', { skip }, async (t) => {
  const tmp = makeTemp('berth-test-cri-fail-');
  const confDir = join(tmp, 'net.d');
  mkdirSync(confDir);
  writeFileSync(join(confDir, '10-broken.conflist'), JSON.stringify({ cniVersion: '1.0.0', name: 'broken', plugins: [{ type: 'no-such-cni-plugin' }] }));
  const engine = new Engine({ root: join(tmp, 'root'), runRoot: join(tmp, 'run'), runtime: defaultRuntime(), cgroupParent: `berth-test-crifail-${process.pid}`, cniConfDir: confDir });
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
  const config = (name: string, hostNet = false) => ({
    metadata: { name, namespace: 'ns', uid: `uid-${name}` },
    linux: hostNet ? { securityContext: { namespaceOptions: { network: 'NODE', pid: 'CONTAINER', ipc: 'POD' } } } : {},
  });

  const r = await code(c.runtime.RunPodSandbox({ config: config('broken') }));
  assert.match(r.details, /no-such-cni-plugin/);
  assert.deepEqual(await c.runtime.ListPodSandbox({}), { items: [] });
  assert.deepEqual(readdirSync(join(tmp, 'run', 'netns')).filter((n) => n.startsWith('berth-pod')), []);
  assert.deepEqual(readdirSync(join(tmp, 'root', 'pods')), []);

  // A pod on the node's network needs no CNI: it runs; stopped, it takes no containers.
  const { podSandboxId } = await c.runtime.RunPodSandbox({ config: config('hostnet', true) }) as { podSandboxId: string };
  const missing = await code(c.runtime.CreateContainer({ podSandboxId, config: { metadata: { name: 'x' }, image: { image: 'localhost/not/here:1' } } }));
  assert.equal(missing.code, status.NOT_FOUND);
  assert.match(missing.details, /not\/here/);
  await c.runtime.StopPodSandbox({ podSandboxId });
  const st = await c.runtime.PodSandboxStatus({ podSandboxId }) as { status: { state: string; linux: { namespaces: { options: { network: string } } } } };
  assert.equal(st.status.state, 'SANDBOX_NOTREADY');
  assert.equal(st.status.linux.namespaces.options.network, 'NODE');
  const stopped = await code(c.runtime.CreateContainer({ podSandboxId, config: { metadata: { name: 'y' }, image: { image: 'busybox' } } }));
  assert.equal(stopped.code, status.FAILED_PRECONDITION);
  assert.match(stopped.details, /is not running/);
  await c.runtime.RemovePodSandbox({ podSandboxId });
  assert.deepEqual(await c.runtime.ListPodSandbox({}), { items: [] });
});
