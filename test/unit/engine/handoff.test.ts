// The exit-command wrappers (src/engine/handoff.ts), run for real with bash in a temp dir: a
// foreground run's skips the cleanup when told "done" through its FIFO, runs it when the CLI's pid
// is gone without that word, and when the FIFO is missing; a detached container's skips it while
// a stop/rm that claimed it lives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BASH, claimCleanup, claimExitCommand, handoffExitCommand, openHandoff } from '../../../src/engine/handoff.ts';

const skip = !existsSync(BASH) ? 'no bash' : false;

function runWrapper(argv: string[]): Promise<{ code: number | null; ms: number }> {
  const t0 = Date.now();
  const c = spawn(argv[0], argv.slice(1), { stdio: 'ignore' });
  return new Promise((res) => c.on('exit', (code) => res({ code, ms: Date.now() - t0 })));
}

/** A pid that was just used and is gone now. */
function deadPid(): number {
  const r = spawnSync('sh', ['-c', 'echo $$']);
  return Number(String(r.stdout).trim());
}

test('"done" makes the wrapper exit without running the cleanup', { skip }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-handoff-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const h = await openHandoff(join(dir, 'x.handoff'));
  assert.ok(h);
  const marker = join(dir, 'ran');
  const wrapper = runWrapper(handoffExitCommand(h, ['/bin/sh', '-c', `touch ${marker}`]));
  await new Promise((r) => setTimeout(r, 100)); // the wrapper is waiting on the FIFO now
  h.done();
  const r = await wrapper;
  assert.equal(r.code, 0);
  assert.ok(r.ms < 900, `wrapper took ${r.ms} ms: it waited for its poll instead of the word`);
  assert.equal(existsSync(marker), false, 'the cleanup ran though the CLI did it');
  h.close();
  assert.equal(existsSync(h.fifo), false);
});

test('"done" written before the wrapper starts is still seen', { skip }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-handoff-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const h = (await openHandoff(join(dir, 'x.handoff')))!;
  h.done();
  const marker = join(dir, 'ran');
  const r = await runWrapper(handoffExitCommand(h, ['/bin/sh', '-c', `touch ${marker}`]));
  assert.equal(r.code, 0);
  assert.equal(existsSync(marker), false);
  h.close();
});

test('a CLI gone without "done": the wrapper runs the cleanup and removes the FIFO', { skip }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-handoff-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const h = (await openHandoff(join(dir, 'x.handoff')))!;
  t.after(() => h.close());
  const marker = join(dir, 'ran');
  const r = await runWrapper(handoffExitCommand({ fifo: h.fifo, pid: deadPid() }, ['/bin/sh', '-c', `echo "$0 $1" > ${marker}`, 'a', 'b c']));
  assert.equal(r.code, 0);
  assert.ok(existsSync(marker), 'the cleanup did not run');
  assert.equal(spawnSync('cat', [marker], { encoding: 'utf8' }).stdout, 'a b c\n', 'arguments reach the cleanup intact');
  assert.equal(existsSync(h.fifo), false, 'FIFO left behind');
});

test('no FIFO: the wrapper runs the cleanup at once', { skip }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-handoff-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const marker = join(dir, 'ran');
  const r = await runWrapper(handoffExitCommand({ fifo: join(dir, 'missing'), pid: process.pid }, ['/bin/sh', '-c', `touch ${marker}`]));
  assert.equal(r.code, 0);
  assert.ok(existsSync(marker));
  assert.equal(existsSync(join(dir, 'missing')), false, 'a regular file was made in place of the FIFO');
});

test('a claim by a live process makes a detached exit command skip its cleanup; no claim or a dead owner runs it', { skip }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-claim-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const claim = join(dir, 'x.claim');
  const ran = join(dir, 'cleanup-ran');
  const cleanup = ['/bin/sh', '-c', `echo ran >> ${ran}`];
  // Nobody claimed it: the container ended on its own.
  assert.equal((await runWrapper(claimExitCommand(claim, cleanup))).code, 0);
  assert.equal(readFileSync(ran, 'utf8'), 'ran\n');
  // stop/rm claimed it and are alive (this process): nothing runs.
  const unclaim = claimCleanup(claim);
  assert.equal(readFileSync(claim, 'utf8'), `${process.pid}\n`);
  assert.equal((await runWrapper(claimExitCommand(claim, cleanup))).code, 0);
  assert.equal(readFileSync(ran, 'utf8'), 'ran\n');
  unclaim();
  assert.ok(!existsSync(claim));
  // A claim whose owner died before cleaning up: the exit command does it.
  writeFileSync(claim, `${deadPid()}\n`);
  await runWrapper(claimExitCommand(claim, cleanup));
  assert.equal(readFileSync(ran, 'utf8'), 'ran\nran\n');
});
