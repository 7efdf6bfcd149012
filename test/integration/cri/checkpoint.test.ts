// CheckpointContainer through berth's own gRPC client: bad requests are INVALID_ARGUMENT, an
// unknown container NOT_FOUND, a stopped one FAILED_PRECONDITION, and a running one UNIMPLEMENTED
// with the reason (no runtime of berth's drives CRIU) and what this host's CRIU can do.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import { isRoot } from '../../helpers/rootfs.ts';
import { criFixture } from './harness.ts';

const skip = !isRoot && 'needs root';

test('CheckpointContainer answers each case with its status and a reason', { skip, timeout: 300_000 }, async (t) => {
  const { tmp, client: c } = await criFixture(t, 'ckpt');
  const code = (want: number, re: RegExp) => (e: Error & { code?: number }) => { assert.equal(e.code, want, e.message); assert.match(e.message, re); return true; };
  const location = join(tmp, 'ckpt.tar');
  await assert.rejects(c.runtime.CheckpointContainer({ location }), code(status.INVALID_ARGUMENT, /container_id is required/));
  await assert.rejects(c.runtime.CheckpointContainer({ containerId: 'nosuch', location }), code(status.NOT_FOUND, /nosuch/));

  const podConfig = { metadata: { name: 'ck', namespace: 'ns', uid: 'uid-ck' }, linux: { securityContext: { namespaceOptions: { network: 'NODE' } } } };
  const { podSandboxId } = await c.runtime.RunPodSandbox({ config: podConfig }) as { podSandboxId: string };
  const { containerId } = await c.runtime.CreateContainer({ podSandboxId, sandboxConfig: podConfig, config: { metadata: { name: 'box' }, image: { image: 'busybox' }, command: ['sleep', '1000'] } }) as { containerId: string };
  await assert.rejects(c.runtime.CheckpointContainer({ containerId }), code(status.INVALID_ARGUMENT, /location is required/));
  await assert.rejects(c.runtime.CheckpointContainer({ containerId, location }), code(status.FAILED_PRECONDITION, /not running/));
  await c.runtime.StartContainer({ containerId });
  const criu = spawnSync('sh', ['-c', 'command -v criu']).status === 0 ? /CRIU \S+ is installed/ : /CRIU is not installed/;
  await assert.rejects(c.runtime.CheckpointContainer({ containerId, location }), code(status.UNIMPLEMENTED, /cannot drive CRIU/));
  await assert.rejects(c.runtime.CheckpointContainer({ containerId, location }), code(status.UNIMPLEMENTED, criu));
  // Nothing was written, and the container runs on.
  assert.equal(spawnSync('test', ['-e', location]).status, 1);
  const st = await c.runtime.ContainerStatus({ containerId }) as { status: { state: string } };
  assert.equal(st.status.state, 'CONTAINER_RUNNING');
});
