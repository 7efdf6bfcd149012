// The OCI runtime interface's contract (test/helpers/ociruntime-contract.ts) against the real
// runtimes on busybox bundles: berth's runtime in process, berth-runtime as a binary, and runc.
// The errors each returns are the runtimes' own (the binaries' stderr parsed, the library's
// typed errors mapped), so this is also the error mapping's test on real output. crun 1.8.1
// refuses this host (hybrid cgroups); its real messages are checked in the unit test.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { BinaryRuntime, InProcessRuntime, RuntimeError, type OciRuntime } from '../../../src/engine/ociruntime/index.ts';
import { isRoot, makeTemp, removeTemp } from '../../helpers/rootfs.ts';
import { runContract, rejectsKind } from '../../helpers/ociruntime-contract.ts';
import { build, CLI, leftovers, makeBundle } from '../runtime/support.ts';

const skip = !isRoot && 'needs root';
const RUNC = ['/usr/sbin/runc', '/usr/bin/runc'].find((p) => existsSync(p));
before(() => { if (!skip) build(); });

function subject(name: string, make: (root: string) => OciRuntime) {
  const dir = makeTemp('berth-ocirt-');
  const root = join(dir, 'state');
  // Nothing of the runtime's may be left in its root once the containers were removed.
  const cleanup = () => {
    const left = existsSync(root) ? readdirSync(root) : [];
    removeTemp(dir);
    assert.deepEqual(left, [], `${name}: state left in ${root}`);
  };
  const bundleDir = (id: string) => join(dir, 'bundles', id);
  return {
    name,
    runtime: () => make(root),
    bundle: (id: string) => makeBundle(bundleDir(id), id, ['sleep', '1000']).bundle,
    badBundle: (id: string) => makeBundle(bundleDir(id), id, ['true'], (s) => { s.process!.args = []; }).bundle,
    leftovers: (id: string) => leftovers(root, id, bundleDir(id)),
    cleanup,
  };
}

test('contract: berth\'s runtime in process', { skip }, async (t) => {
  await runContract(t, subject('in-process', (root) => new InProcessRuntime(CLI, root)));
});

test('contract: berth-runtime as a binary', { skip }, async (t) => {
  await runContract(t, subject('berth-runtime', (root) => new BinaryRuntime(CLI, root)));
});

test('contract: runc', { skip: skip || (!RUNC && 'runc not installed') }, async (t) => {
  await runContract(t, subject('runc', (root) => new BinaryRuntime(RUNC!, root)));
});

test('a runtime that is not there: the error says so', async () => {
  const rt = new BinaryRuntime('/nonexistent/runtime', '/tmp');
  const e = await rejectsKind(rt.state('x'), 'failed', 'state through a missing binary');
  assert.ok(e instanceof RuntimeError);
  assert.match(e.message, /ENOENT|nonexistent/);
});

test('exec through the interface: the exit status, and a stopped container refused', { skip }, async (t) => {
  const id = `exec-${process.pid}`;
  const s = subject('exec', (root) => new BinaryRuntime(CLI, root));
  const rt = s.runtime();
  t.after(async () => {
    if (rt.mayHaveState(id)) await rt.delete(id, { force: true }).catch(() => {});
    s.cleanup();
  });
  const bundle = s.bundle(id);
  await rt.create(id, { bundle });
  await rt.start(id);
  const proc = join(bundle, 'exit3.json');
  writeFileSync(proc, JSON.stringify({ args: ['sh', '-c', 'exit 3'], cwd: '/', env: ['PATH=/bin'], user: { uid: 0, gid: 0 } }));
  assert.equal((await rt.exec(id, { processFile: proc })).code, 3);
  await rt.kill(id, 9);
  for (const end = Date.now() + 60_000; (await rt.state(id)).status !== 'stopped' && Date.now() < end;) await new Promise((r) => setTimeout(r, 20));
  let stderr = '';
  const r = await rt.exec(id, { processFile: proc, onStderr: (d) => { stderr += d.toString(); } });
  assert.notEqual(r.code, 0);
  assert.match(stderr, /stopped/);
  await rt.delete(id);
  assert.deepEqual(s.leftovers(id), []);
});
