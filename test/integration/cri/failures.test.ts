// CRI failures on a real engine (root: namespaces, CNI), through berth's own gRPC client: a
// sandbox whose CNI plugin fails leaves no pod, netns or infra process behind; a container in a
// stopped pod, or of an image that is not there, is refused with the right code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import { isRoot } from '../../helpers/rootfs.ts';
import { criFixture } from './harness.ts';

const skip = !isRoot && 'needs root';

async function code(p: Promise<unknown>): Promise<{ code: number; details: string }> {
  try { await p; } catch (e) { return e as { code: number; details: string }; }
  assert.fail('the call succeeded');
}

test('failed sandboxes leave nothing; containers need a running pod and a stored image', { skip }, async (t) => {
  const { tmp, client: c } = await criFixture(t, 'fail', { busybox: false, cniConfDir: (tmp) => {
    const confDir = join(tmp, 'net.d');
    mkdirSync(confDir);
    writeFileSync(join(confDir, '10-broken.conflist'), JSON.stringify({ cniVersion: '1.0.0', name: 'broken', plugins: [{ type: 'no-such-cni-plugin' }] }));
    return confDir;
  } });
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
