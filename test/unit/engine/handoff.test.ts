// The exit-command wrapper of a foreground run (src/engine/handoff.ts), run for real with bash
// and a FIFO in a temp dir: it skips the cleanup when told "done", runs it when the CLI's pid is
// gone without that word, and when the FIFO is missing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BASH, handoffExitCommand, openHandoff } from '../../../src/engine/handoff.ts';

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
