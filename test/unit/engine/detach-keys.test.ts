import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { DetachFilter, InvalidDetachKeysError, parseDetachKeys, pipeDetachable } from '../../../src/engine/detach-keys.ts';

test('detach keys: docker\'s default, single characters and ctrl- keys; others refused', () => {
  assert.deepEqual([...parseDetachKeys('')], [0x10, 0x11]);
  assert.deepEqual([...parseDetachKeys('ctrl-x,x')], [0x18, 0x78]);
  assert.deepEqual([...parseDetachKeys('ctrl-@,ctrl-[,ctrl-\\,ctrl-],ctrl-^,ctrl-_,CTRL-A,Z')], [0, 27, 28, 29, 30, 31, 1, 90]);
  assert.throws(() => parseDetachKeys('ctrl-1'), (e: Error) => e instanceof InvalidDetachKeysError && /Invalid detach keys \(ctrl-1\) provided/.test(e.message));
  assert.throws(() => parseDetachKeys('ab'), InvalidDetachKeysError);
  assert.throws(() => parseDetachKeys('a,,b'), InvalidDetachKeysError);
});

/** The filter's output for `chunks`, and whether it detached. */
async function run(keys: string, chunks: string[]): Promise<{ out: string; detached: boolean }> {
  const f = new DetachFilter(parseDetachKeys(keys));
  let out = '';
  let detached = false;
  f.on('data', (d: Buffer) => (out += d.toString('latin1')));
  f.on('detach', () => (detached = true));
  const ended = new Promise((r) => f.on('end', r));
  for (const c of chunks) if (!f.writableEnded && !f.detached) f.write(Buffer.from(c, 'latin1'));
  if (!f.detached) f.end();
  await ended;
  return { out, detached };
}

test('the filter passes input on, holds a partial match, drops the sequence and ends on it', async () => {
  assert.deepEqual(await run('', ['echo hi\r']), { out: 'echo hi\r', detached: false });
  assert.deepEqual(await run('', ['ls\x10', '\x11after']), { out: 'ls', detached: true });
  // A broken match lets the held byte through; a match may start on the breaking byte.
  assert.deepEqual(await run('', ['a\x10b\x10\x10\x11']), { out: 'a\x10b\x10', detached: true });
  assert.deepEqual(await run('ctrl-x,x', ['\x18y', '\x18']), { out: '\x18y\x18', detached: false });
  assert.deepEqual(await run('q', ['abcq']), { out: 'abc', detached: true });
});

test('pipeDetachable: the input\'s end ends stdin; the detach keys call back and leave stdin open', async () => {
  const collect = (s: PassThrough) => { let out = ''; s.on('data', (d: Buffer) => (out += d.toString())); return () => out; };
  // Ended by the input: stdin ends too, nothing detached.
  const in1 = new PassThrough(), stdin1 = new PassThrough();
  let detached1 = false;
  const out1 = collect(stdin1);
  pipeDetachable(in1, stdin1, parseDetachKeys(''), () => (detached1 = true));
  const ended1 = new Promise((r) => stdin1.once('end', r));
  in1.end('hello');
  await ended1;
  assert.equal(out1(), 'hello');
  assert.equal(detached1, false);
  // Detached: the callback runs, what came before goes on, stdin stays writable.
  const in2 = new PassThrough(), stdin2 = new PassThrough();
  const out2 = collect(stdin2);
  const detached2 = new Promise<void>((r) => pipeDetachable(in2, stdin2, parseDetachKeys('q'), r));
  in2.write('abcqdef');
  await detached2;
  await new Promise((r) => setImmediate(r));
  assert.equal(out2(), 'abc');
  assert.equal(stdin2.writableEnded, false);
});
