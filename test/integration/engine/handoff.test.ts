// A foreground `berth run` cleans up after its container itself and tells conmon's exit command
// to skip (src/engine/handoff.ts). These check both ends: a normal run leaves nothing and runs no
// second berth process; a CLI killed while its container runs still gets its --rm through the
// exit command's fallback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isRoot } from '../../helpers/rootfs.ts';
import { assertNoLeaks, Berth, snapshot } from './harness.ts';

const skip = !isRoot ? 'needs root' : !existsSync('/bin/bash') ? 'no bash' : false;

const handoffs = (b: Berth) => { try { return readdirSync(join(b.runRoot, 'locks')).filter((f) => f.endsWith('.handoff')); } catch { return []; } };

test('run --rm in the foreground: cleaned up by the CLI, no FIFO or record left', { skip }, async (t) => {
  const b = new Berth();
  t.after(() => b.teardown());
  const before = snapshot(b);
  const r = await b.run(['run', '--rm', '--network', 'none', 'busybox', 'sh', '-c', 'echo hi; exit 4']);
  assert.equal(r.code, 4, r.stderr);
  assert.equal(r.stdout, 'hi\n');
  assert.equal((await b.ok(['ps', '-aq'])).trim(), '');
  assert.deepEqual(handoffs(b), []);
  // Without --rm the CLI's cleanup releases network and runtime state; the record stays, exited.
  const keep = await b.run(['run', '--name', 'keep', 'busybox', 'true']);
  assert.equal(keep.code, 0, keep.stderr);
  assert.match(await b.ok(['ps', '-a', '--format', '{{.Names}} {{.Status}}']), /^keep Exited \(0\)/m);
  assert.deepEqual(readdirSync(join(b.runRoot, 'runtime')).filter((f) => !f.startsWith('.')), [], 'runtime state left for an exited container');
  assert.deepEqual(handoffs(b), []);
  await b.ok(['rm', 'keep']);
  assertNoLeaks(b, before);
});

test('a foreground CLI killed mid-run: the exit command still removes the --rm container', { skip }, async (t) => {
  const b = new Berth();
  t.after(() => b.teardown());
  const before = snapshot(b);
  // The container runs until the test has killed its CLI (then /sig/go), not for a fixed time
  // that a slow `ps` could miss.
  const sig = join(b.tmp, 'orphan-sig');
  mkdirSync(sig);
  const cli = b.spawn(['run', '--rm', '--name', 'orphan', '-v', `${sig}:/sig`, 'busybox', 'sh', '-c', 'while [ ! -e /sig/go ]; do sleep 0.1; done'], { stdio: 'ignore' });
  const exited = new Promise((res) => cli.on('exit', res));
  let running = false;
  for (const end = Date.now() + 60_000; !running && Date.now() < end;) {
    await new Promise((r) => setTimeout(r, 100));
    running = /^orphan$/m.test(await b.ok(['ps', '--format', '{{.Names}}']));
  }
  assert.ok(running, 'the container never ran');
  cli.kill('SIGKILL');
  await exited;
  writeFileSync(join(sig, 'go'), '');
  // The container ends; conmon's wrapper finds the CLI gone and runs `berth container cleanup`.
  let left = 'orphan';
  for (const end = Date.now() + 60_000; left && Date.now() < end;) {
    await new Promise((r) => setTimeout(r, 100));
    left = (await b.ok(['ps', '-aq'])).trim();
  }
  assert.equal(left, '', 'the --rm container was not removed after its CLI died');
  for (const end = Date.now() + 60_000; snapshot(b).conmons.length && Date.now() < end;) await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(handoffs(b), [], 'the FIFO was left behind');
  assertNoLeaks(b, before);
});
