// src/cli/stdio.ts: the CLI's output by write(2), in order with process.stdout once a command
// has made that stream (a full pipe leaves the stream's queue holding the rest), and that queue
// drained before exit (flushStdio). Real child processes writing to a pipe.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const STDIO = resolve(import.meta.dirname, '../../../src/cli/stdio.ts');

/** Runs `body` (with writeOut and writeErr imported) in a child; its stdout and stderr. */
function child(body: string): { out: string; loaded: string } {
  const script = `import { writeOut, writeErr } from ${JSON.stringify(STDIO)};\n${body}`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, r.stderr);
  return { out: r.stdout, loaded: r.stderr };
}

// Making process.stdout for a pipe makes the pipe non-blocking (libuv): O_NONBLOCK in fdinfo.
const NONBLOCK = `(parseInt(/^flags:\\s+(\\d+)/m.exec((await import('node:fs')).readFileSync('/proc/self/fdinfo/1', 'utf8'))[1], 8) & 0o4000) !== 0`;

test('writeOut alone never makes process.stdout (which would load node:stream, node:net for a pipe)', () => {
  const { out, loaded } = child(`writeOut('one\\n'); writeOut('two\\n'); writeErr(String(${NONBLOCK}));`);
  assert.equal(out, 'one\ntwo\n');
  assert.equal(loaded, 'false');
  // The check itself: the stream made, the pipe is non-blocking.
  assert.equal(child(`process.stdout; writeErr(String(${NONBLOCK}));`).loaded, 'true');
});

test('once the stream exists, writeOut goes through it: a megabyte queued for a full pipe stays ahead', () => {
  const { out } = child(`writeOut('a\\n'); process.stdout.write('b'.repeat(1 << 20) + '\\n'); writeOut('c\\n'); writeOut('d\\n');`);
  assert.equal(out, `a\n${'b'.repeat(1 << 20)}\nc\nd\n`);
});

test('flushStdio: what a slow reader has not taken yet goes out before process.exit', async () => {
  // 4 MiB through process.stdout, then exit at once; the reader pauses after each chunk. Without
  // the flush, process.exit drops the stream's queue (the pipe is non-blocking).
  const size = 4 << 20;
  const script = `import { flushStdio } from ${JSON.stringify(STDIO)};
process.stdout.write(Buffer.alloc(${size}, 120));
await flushStdio();
process.exit(0);`;
  const c = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let got = 0;
  c.stdout!.on('data', (d: Buffer) => {
    got += d.length;
    c.stdout!.pause();
    setTimeout(() => c.stdout!.resume(), 5);
  });
  const [code] = await Promise.all([new Promise((r) => c.on('exit', r)), new Promise((r) => c.stdout!.on('end', r))]);
  assert.equal(code, 0);
  assert.equal(got, size);
});

test('a reader that goes away early: the command ends quietly, with its own exit code once it had finished', async () => {
  // 1 MiB through process.stdout to a reader that takes 3 lines and exits (as `| head -3`), then
  // flushStdio and the command's own exit code: no "Unhandled 'error' event" stack trace.
  for (const [when, expected] of [['after', 3], ['during', 141]] as const) {
    const script = `import { flushStdio } from ${JSON.stringify(STDIO)};
process.stdout.write('line\\n'.repeat(200000));
${when === 'after' ? 'process.exitCode = 3; await flushStdio(); process.exit(3);' : 'setInterval(() => process.stdout.write("more\\n".repeat(1000)), 5);'}`;
    const r = spawnSync('bash', ['-c', `${JSON.stringify(process.execPath)} --input-type=module -e "$SCRIPT" | (sleep 0.3; head -3 >/dev/null); echo "status \${PIPESTATUS[0]}"`], { encoding: 'utf8', env: { ...process.env, SCRIPT: script }, timeout: 60_000 });
    assert.equal(r.stdout.trim(), `status ${expected}`, `${when}: ${r.stderr}`);
    assert.equal(r.stderr, '', `${when}: nothing on stderr`);
  }
});
