// The cgroup join's warm-up is one per process (berth-mount's server runs one warm child), and a
// long-lived engine has several creates on their way at once: src/engine/prepare.ts counts the
// holds. With two holds out, releasing one (even twice) leaves the warm child running; releasing
// the last ends it. Real processes: this test's own berth-mount server and its warm child. A
// pod's start (an engine in this process) holds it only while it runs, failed or not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { prepareForRun, warmHolds } from '../../../src/engine/prepare.ts';
import { createNetns, removeNetns } from '../../../src/network/index.ts';
import { mountHelperPath } from '../../../src/util/native-mount.ts';
import { isRoot, makeTemp, removeTemp } from '../../helpers/rootfs.ts';
import { existsSync } from 'node:fs';
import { Engine } from '../../../src/engine/index.ts';
import { defer } from '../../helpers/cleanup.ts';
import { defaultRuntime } from './harness.ts';

const skip = !isRoot ? 'needs root' : !existsSync(mountHelperPath()) ? 'needs build/berth-mount (scripts/build.sh)' : false;

function childrenOf(ppid: number): { pid: number; comm: string }[] {
  const out: { pid: number; comm: string }[] = [];
  for (const n of readdirSync('/proc')) {
    if (!/^\d+$/.test(n)) continue;
    try {
      const stat = readFileSync(`/proc/${n}/stat`, 'latin1');
      const close = stat.lastIndexOf(')');
      const fields = stat.slice(close + 2).split(' ');
      if (Number(fields[1]) === ppid && fields[0] !== 'Z') out.push({ pid: Number(n), comm: stat.slice(stat.indexOf('(') + 1, close) });
    } catch { /* gone */ }
  }
  return out;
}

async function until(what: string, f: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!f()) {
    if (Date.now() > end) assert.fail(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('the warm-up ends with its last hold, not with the first release', { skip }, async (t) => {
  const tmp = makeTemp('berth-test-warm-');
  t.after(() => removeTemp(tmp));
  // A request through the mount server that it answers after every earlier one (a warm-stop
  // sent by a release included): a netns made and removed.
  let n = 0;
  const roundTrip = async () => { await removeNetns(await createNetns(`berth-test-warm-${process.pid}-${n++}`, join(tmp, 'netns'))); };

  // The warm child lives 3 s at most: the check that it outlived a release is only meaningful
  // well within that, so a round the machine made too slow is tried again.
  for (let attempt = 1; ; attempt++) {
    const began = Date.now();
    const a = prepareForRun();
    const b = prepareForRun();
    assert.equal(warmHolds(), 2);
    let server = 0;
    await until('the mount server runs', () => (server = childrenOf(process.pid).find((c) => c.comm === 'berth-mount')?.pid ?? 0) > 0);
    await until('its warm child runs', () => childrenOf(server).length === 1);
    a();
    a(); // a second release of the same hold does nothing
    assert.equal(warmHolds(), 1);
    await roundTrip();
    const alive = childrenOf(server).length === 1;
    const inTime = Date.now() - began < 2000;
    if (!inTime && attempt < 3) { b(); await until('the warm child ends', () => childrenOf(server).length === 0); continue; }
    assert.ok(inTime, 'the round was fast enough to tell');
    assert.ok(alive, 'one release did not end the warm-up another hold still needs');
    b();
    assert.equal(warmHolds(), 0);
    await roundTrip();
    await until('the last release ends the warm child', () => childrenOf(server).length === 0);
    break;
  }
});

test('a pod start holds the warm-up only while it runs, failed or not', { skip }, async (t) => {
  const tmp = makeTemp('berth-test-warmpod-');
  defer(t, () => removeTemp(tmp));
  const cgroupParent = `berth-test-warmpod-${process.pid}`;
  const engine = new Engine({ root: join(tmp, 'root'), runRoot: join(tmp, 'run'), runtime: defaultRuntime(), cgroupParent, cniConfDir: join(tmp, 'none') });
  defer(t, () => engine.close());
  defer(t, async () => { for (const p of engine.pods.list()) await engine.pods.remove(p.id, { force: true }); });
  assert.equal(warmHolds(), 0);
  // No CNI configuration: the start fails after it took its hold, and gives it back.
  const failing = engine.pods.create({ name: 'warm-cni', network: 'cni' });
  await assert.rejects(engine.pods.start(failing.id));
  assert.equal(warmHolds(), 0, 'a failed start released its hold');
  const ok = await engine.pods.run({ name: 'warm-none', network: 'none' });
  assert.equal(ok.state.status, 'running');
  assert.equal(warmHolds(), 0, 'a start released its hold');
  // A start of a running pod takes none.
  await engine.pods.start(ok.id);
  assert.equal(warmHolds(), 0);
  await engine.pods.remove(ok.id, { force: true });
  await engine.pods.remove(failing.id);
  assert.deepEqual(engine.pods.list(), []);
});
