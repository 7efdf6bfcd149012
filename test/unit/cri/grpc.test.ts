// The CRI server through berth's own gRPC client (nothing outside the repository): Version,
// Status, and bad requests answered with the right gRPC codes and clear messages, never a crash.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import { Engine } from '../../../src/engine/index.ts';
import { CriServer } from '../../../src/cri/index.ts';
import { criClient, type CriClient } from '../../helpers/cri-client.ts';

let dir: string, engine: Engine, server: CriServer, c: CriClient;
const logs: string[] = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'berth-test-cri-'));
  mkdirSync(join(dir, 'net.d'));
  engine = new Engine({ root: join(dir, 'root'), runRoot: join(dir, 'run'), cniConfDir: join(dir, 'net.d') });
  server = new CriServer({ engine, version: '9.9.9', log: (l) => logs.push(l) }, join(dir, 'cri.sock'));
  await server.listen();
  c = criClient(join(dir, 'cri.sock'));
});

after(async () => {
  c.close();
  await server.close();
  engine.close();
  rmSync(dir, { recursive: true, force: true });
});

async function code(p: Promise<unknown>): Promise<{ code: number; details: string }> {
  try {
    await p;
  } catch (e) {
    const err = e as { code: number; details: string };
    return { code: err.code, details: err.details };
  }
  assert.fail('the call succeeded');
}

test('Version names berth and CRI v1', async () => {
  assert.deepEqual(await c.runtime.Version({ version: 'v1' }), { version: '0.1.0', runtimeName: 'berth', runtimeVersion: '9.9.9', runtimeApiVersion: 'v1' });
});

test('Status: the runtime is ready; the network only once a CNI configuration is installed', async () => {
  const conds = async () => ((await c.runtime.Status({})) as { status: { conditions: { type: string; status: boolean; reason: string; message: string }[] } }).status.conditions;
  let cs = await conds();
  assert.deepEqual(cs.map((x) => [x.type, x.status]), [['RuntimeReady', true], ['NetworkReady', false]]);
  assert.equal(cs[1].reason, 'NetworkPluginNotReady');
  assert.match(cs[1].message, /no usable CNI configuration/);
  writeFileSync(join(dir, 'net.d', '10-test.conflist'), JSON.stringify({ cniVersion: '1.0.0', name: 'testnet', plugins: [{ type: 'bridge' }] }));
  cs = await conds();
  assert.deepEqual(cs.map((x) => [x.type, x.status]), [['RuntimeReady', true], ['NetworkReady', true]]);
  const verbose = (await c.runtime.Status({ verbose: true })) as { info: Record<string, string> };
  assert.equal(JSON.parse(verbose.info.config).network, 'testnet');
});

test('bad requests get InvalidArgument with the field named', async () => {
  let r = await code(c.runtime.RunPodSandbox({}));
  assert.equal(r.code, status.INVALID_ARGUMENT);
  assert.match(r.details, /config is required/);
  r = await code(c.runtime.RunPodSandbox({ config: { metadata: { name: 'x' } } }));
  assert.equal(r.code, status.INVALID_ARGUMENT);
  assert.match(r.details, /metadata\.name, metadata\.namespace and metadata\.uid/);
  r = await code(c.runtime.RunPodSandbox({ config: { metadata: { name: 'x', namespace: 'n', uid: 'u' } }, runtimeHandler: 'kata' }));
  assert.equal(r.code, status.INVALID_ARGUMENT);
  assert.match(r.details, /unknown runtime handler "kata"/);
  r = await code(c.runtime.ExecSync({ containerId: 'abc', cmd: [] }));
  assert.equal(r.code, status.INVALID_ARGUMENT);
  r = await code(c.runtime.StartContainer({}));
  assert.equal(r.code, status.INVALID_ARGUMENT);
  assert.match(r.details, /container_id is required/);
  r = await code(c.images.PullImage({ image: { image: '' } }));
  assert.equal(r.code, status.INVALID_ARGUMENT);
});

test('unknown objects: NotFound; removals stay idempotent; ImageStatus of a missing image is empty', async () => {
  for (const call of [
    () => c.runtime.PodSandboxStatus({ podSandboxId: 'f00' }), () => c.runtime.StopPodSandbox({ podSandboxId: 'f00' }),
    () => c.runtime.StartContainer({ containerId: 'f00' }), () => c.runtime.ContainerStatus({ containerId: 'f00' }),
    () => c.runtime.ExecSync({ containerId: 'f00', cmd: ['true'] }),
    () => c.runtime.CreateContainer({ podSandboxId: 'f00', config: { metadata: { name: 'c' }, image: { image: 'busybox' } } }),
  ]) {
    const r = await code(call());
    assert.equal(r.code, status.NOT_FOUND, r.details);
    assert.match(r.details, /no such (pod|container)/i);
  }
  assert.deepEqual(await c.runtime.RemovePodSandbox({ podSandboxId: 'f00' }), {});
  assert.deepEqual(await c.runtime.RemoveContainer({ containerId: 'f00' }), {});
  assert.deepEqual(await c.images.RemoveImage({ image: { image: 'localhost/nothing:here' } }), {});
  assert.deepEqual(await c.images.ImageStatus({ image: { image: 'localhost/nothing:here' } }), { image: null, info: {} });
  assert.deepEqual(await c.runtime.ListPodSandbox({}), { items: [] });
  assert.deepEqual(await c.runtime.ListContainers({}), { containers: [] });
  assert.deepEqual(await c.images.ListImages({}), { images: [] });
});

test('a call berth does not serve answers Unimplemented', async () => {
  const r = await code(c.runtime.ListMetricDescriptors({}));
  assert.equal(r.code, status.UNIMPLEMENTED);
});

test('ImageFsInfo reports the store file system', async () => {
  const r = (await c.images.ImageFsInfo({})) as { imageFilesystems: { fsId: { mountpoint: string }; usedBytes: { value: string } }[] };
  assert.equal(r.imageFilesystems[0].fsId.mountpoint, join(dir, 'root'));
  assert.ok(Number(r.imageFilesystems[0].usedBytes.value) > 0);
});
