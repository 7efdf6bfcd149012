// The OCI runtime interface's contract: one suite every implementation must pass (the fake in
// test/unit/engine/ociruntime.test.ts, the in-process library and the runc / berth-runtime
// binaries in test/integration/engine/ociruntime.test.ts). Each case asserts the typed result
// or the RuntimeError kind, never a runtime's wording.
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { RuntimeError, type OciRuntime, type RuntimeErrorKind } from '../../src/engine/ociruntime/index.ts';

export interface ContractSubject {
  name: string;
  runtime: () => OciRuntime;
  /** A bundle whose process runs until killed (sleep), and one the runtime must refuse. */
  bundle: (id: string) => string;
  badBundle: (id: string) => string;
  /** Extra checks that the container left nothing behind (real runtimes: mounts, cgroups). */
  leftovers?: (id: string) => string[];
  /** Run after the contract removed its containers (real runtimes: remove the temporary root,
   * failing if the runtime left state in it). */
  cleanup?: () => void;
}

export async function rejectsKind(p: Promise<unknown>, kind: RuntimeErrorKind, what: string): Promise<RuntimeError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof RuntimeError, `${what}: not a RuntimeError: ${String(e)}`);
    assert.equal(e.kind, kind, `${what}: kind ${e.kind} (${e.message}), wanted ${kind}`);
    assert.ok(e.message.length > 0, `${what}: no message`);
    return e;
  }
  assert.fail(`${what}: succeeded, wanted a ${kind} RuntimeError`);
}

async function waitStatus(rt: OciRuntime, id: string, status: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if ((await rt.state(id)).status === status) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.fail(`${id} never became ${status}`);
}

/** Registers the contract's cases under `t` for one subject. */
export async function runContract(t: TestContext, s: ContractSubject): Promise<void> {
  const rt = s.runtime();
  const made: string[] = [];
  const uid = `${process.pid}-${Date.now().toString(36)}`;
  const fresh = (n: string) => { const id = `ct-${n}-${uid}`; made.push(id); return id; };
  t.after(async () => {
    for (const id of made) {
      if (rt.mayHaveState(id)) await rt.kill(id, 9).catch(() => {});
      // Only where state may be: a binary runtime would make its root again.
      if (rt.mayHaveState(id)) await rt.delete(id, { force: true }).catch(() => {});
    }
    s.cleanup?.();
  });

  await t.test(`${s.name}: an unknown id is not-found for every call`, async () => {
    const id = `nope-${uid}`;
    await rejectsKind(rt.state(id), 'not-found', 'state');
    await rejectsKind(rt.start(id), 'not-found', 'start');
    await rejectsKind(rt.kill(id, 'SIGTERM'), 'not-found', 'kill');
    await rejectsKind(rt.delete(id), 'not-found', 'delete');
    await rejectsKind(rt.pause(id), 'not-found', 'pause');
    await rejectsKind(rt.resume(id), 'not-found', 'resume');
    await rejectsKind(rt.ps(id), 'not-found', 'ps');
    await rejectsKind(rt.stats(id), 'not-found', 'stats');
    await rejectsKind(rt.update(id, { pids: { limit: 10 } }), 'not-found', 'update');
    assert.equal(rt.mayHaveState(id), false);
  });

  await t.test(`${s.name}: the lifecycle, with typed results and the kind of each refusal`, async () => {
    const id = fresh('life');
    await rt.create(id, { bundle: s.bundle(id) });
    assert.equal(rt.mayHaveState(id), true);
    const created = await rt.state(id);
    assert.equal(created.id, id);
    assert.equal(created.status, 'created');
    assert.ok(created.pid > 0, `created pid ${created.pid}`);
    await rejectsKind(rt.create(id, { bundle: s.bundle(id) }), 'exists', 'second create');
    await rt.start(id);
    await waitStatus(rt, id, 'running');
    await rejectsKind(rt.start(id), 'not-running', 'start of a running container');
    await rejectsKind(rt.resume(id), 'not-running', 'resume of a running container');
    await rejectsKind(rt.delete(id), 'not-running', 'delete of a running container');
    assert.ok((await rt.ps(id)).includes(created.pid), 'ps lists the init');
    const st = await rt.stats(id);
    assert.ok(st.pids.current >= 1, `pids.current ${st.pids.current}`);
    assert.ok(st.cpu.usage.total >= 0 && st.memory.usage.usage > 0, 'cpu and memory numbers');
    await rt.update(id, { memory: { limit: 64 << 20 } });
    assert.equal((await rt.stats(id)).memory.usage.limit, 64 << 20, 'update set the memory limit');
    await rt.pause(id);
    assert.equal((await rt.state(id)).status, 'paused');
    await rt.resume(id);
    assert.equal((await rt.state(id)).status, 'running');
    await rt.kill(id, 'SIGKILL');
    await waitStatus(rt, id, 'stopped');
    await rejectsKind(rt.kill(id, 9), 'already-stopped', 'kill of a stopped container');
    await rejectsKind(rt.start(id), 'already-stopped', 'start of a stopped container');
    await rt.delete(id);
    await rejectsKind(rt.state(id), 'not-found', 'state after delete');
    assert.equal(rt.mayHaveState(id), false);
    assert.deepEqual(s.leftovers?.(id) ?? [], []);
  });

  await t.test(`${s.name}: a bad config is invalid-config, and nothing is left`, async () => {
    const id = fresh('bad');
    await rejectsKind(rt.create(id, { bundle: s.badBundle(id) }), 'invalid-config', 'create with no process args');
    assert.equal(rt.mayHaveState(id), false);
    assert.deepEqual(s.leftovers?.(id) ?? [], []);
  });

  await t.test(`${s.name}: delete --force of a running container, kill by name`, async () => {
    const id = fresh('force');
    await rt.create(id, { bundle: s.bundle(id) });
    await rt.start(id);
    await rt.kill(id, 'TERM').catch((e: RuntimeError) => assert.equal(e.kind, 'already-stopped'));
    await rt.delete(id, { force: true });
    await rejectsKind(rt.state(id), 'not-found', 'state after delete --force');
    assert.deepEqual(s.leftovers?.(id) ?? [], []);
  });

  await t.test(`${s.name}: features`, async () => {
    const f = await rt.features();
    assert.match(f.ociVersionMax, /^1\.\d+\.\d+/);
    assert.ok(f.hooks.includes('prestart') && f.mountOptions.includes('bind'), 'hooks and mount options listed');
  });
}
