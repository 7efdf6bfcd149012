// CVE-2019-5736: a container must not be able to overwrite the runtime's helper through
// /proc/<pid>/exe. The attack: a container process watches its /proc; `berth-runtime exec` runs
// the image's `--wait`, a `#!/proc/self/exe 0` script, so the helper's own image is executed
// again inside the container (as `berth-init 0 --wait`, which waits for a plan on the exec's
// stdin: a wide window, closed by the test); the watcher takes an O_PATH handle on that
// process's exe and, once the process is gone, reopens it for writing. berth-init runs from a sealed memfd copy, so the handle names an
// immutable anonymous file and the helper on the host keeps its hash. The same attack against a
// helper built without the defence does overwrite it (shown with a private build, never the
// shared one).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, closeSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isRoot, makeTemp, removeTemp } from '../../helpers/rootfs.ts';
import { build, CLI, cli, tempBundle } from '../runtime/support.ts';
import { buildHelperVariant, compileStatic, copyHelper, fileMatching, sha256, waitFor } from './support.ts';

const skip = !isRoot && 'needs root';
before(() => { if (!skip) build(); });

async function attack(t: { after(fn: () => void): void }, helper: string, id: string): Promise<{ result: string; before: string; after: string }> {
  const saved = process.env.BERTH_INIT;
  process.env.BERTH_INIT = helper;
  // Restored first (hooks run in order): the force delete then uses the shared helper.
  t.after(() => { if (saved === undefined) delete process.env.BERTH_INIT; else process.env.BERTH_INIT = saved; });
  const { dir, root, bundle, rootfs, spec } = tempBundle(t, 'berth-5736-', id, ['sh', '-c', '/attack 30 > /result'], (s) => { s.root!.readonly = false; });
  compileStatic(join(import.meta.dirname, 'exe-attack.c'), join(rootfs, 'attack'));
  writeFileSync(join(rootfs, '--wait'), '#!/proc/self/exe 0\n');
  chmodSync(join(rootfs, '--wait'), 0o755);
  const before = sha256(helper);
  const r = cli(root, ['run', '-d', '-b', bundle, id]);
  assert.equal(r.code, 0, r.stderr);
  await waitFor(() => fileMatching(join(rootfs, 'result'), /ready/), 60_000, 'the attacker');
  // An empty PATH entry makes the helper exec "--wait" relative to the cwd (/), so the script
  // runs with argv [/proc/self/exe, 0, --wait]. Its exit status is not the point.
  const log = openSync(join(dir, 'exec.log'), 'w');
  const proc = join(dir, 'process.json');
  // The container's own capabilities: ptrace access (and so /proc/<pid>/exe) needs the target's
  // permitted set to be within the watcher's.
  writeFileSync(proc, JSON.stringify({ args: ['--wait'], env: ['PATH=:'], cwd: '/', user: { uid: 0, gid: 0 }, capabilities: spec.process!.capabilities }));
  const victim = spawn(CLI, ['--root', root, 'exec', '-p', proc, id], { stdio: ['pipe', log, log] });
  closeSync(log);
  const done = new Promise((res) => victim.on('exit', res));
  await new Promise((r) => setTimeout(r, 1500));
  victim.stdin!.end();
  await done;
  writeFileSync(join(rootfs, 'stop'), '');
  const result = await waitFor(() => fileMatching(join(rootfs, 'result'), /pwned|safe/), 60_000, 'the attack to end');
  return { result, before, after: sha256(helper) };
}

test('CVE-2019-5736: the helper cannot be overwritten through /proc/<pid>/exe', { skip }, async (t) => {
  const dir = makeTemp('berth-5736-bin-');
  t.after(() => removeTemp(dir));
  const helper = copyHelper(join(dir, 'berth-init'));
  const { result, before, after } = await attack(t, helper, `exe-sealed-${process.pid}`);
  // It did get handles on the helper's exe (the memfd): only writing through them failed.
  assert.match(result, /safe: [1-9]\d* handles/, result);
  assert.equal(after, before, 'the helper on the host was modified');
});

test('without the sealed copy the same attack overwrites the helper (the test can fail)', { skip }, async (t) => {
  const dir = makeTemp('berth-5736-bin-');
  t.after(() => removeTemp(dir));
  const helper = buildHelperVariant(join(dir, 'berth-init'), ['BERTH_TEST_UNSEALED']);
  const { result, before, after } = await attack(t, helper, `exe-unsealed-${process.pid}`);
  assert.match(result, /pwned/, result);
  assert.notEqual(after, before);
});
