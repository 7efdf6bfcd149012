import { test } from 'node:test';
import assert from 'node:assert/strict';
import { frame, FrameReader, STDERR, STDOUT } from '../../../src/dockerapi/stdcopy.ts';
import { errorMessage, statusMessage, streamMessage } from '../../../src/dockerapi/jsonmessage.ts';

test('a frame is the stream byte, three zeros, the big-endian length, then the payload', () => {
  const f = frame(STDOUT, 'hi\n');
  assert.deepEqual([...f.subarray(0, 8)], [1, 0, 0, 0, 0, 0, 0, 3]);
  assert.equal(f.subarray(8).toString(), 'hi\n');
  const e = frame(STDERR, Buffer.alloc(300, 0x61));
  assert.deepEqual([...e.subarray(0, 8)], [2, 0, 0, 0, 0, 0, 1, 44]);
  assert.equal(e.length, 308);
});

test('payloads over 1 MiB are split into several frames', () => {
  const big = Buffer.alloc((1 << 20) + 5, 0x62);
  const f = frame(STDOUT, big);
  const frames = new FrameReader().push(f);
  assert.equal(frames.length, 2);
  assert.equal(frames[0].data.length, 1 << 20);
  assert.equal(frames[1].data.length, 5);
});

test('the reader reassembles frames cut at any byte', () => {
  const all = Buffer.concat([frame(STDOUT, 'one'), frame(STDERR, 'two'), frame(STDOUT, '')]);
  for (let cut = 0; cut <= all.length; cut++) {
    const r = new FrameReader();
    const got = [...r.push(all.subarray(0, cut)), ...r.push(all.subarray(cut))];
    assert.deepEqual(got.map((g) => [g.stream, g.data.toString()]), [[1, 'one'], [2, 'two'], [1, '']], `cut at ${cut}`);
    assert.equal(r.pending, 0);
  }
});

test('the reader refuses bytes that are not a multiplexed stream', () => {
  assert.throws(() => new FrameReader().push(Buffer.from('HTTP/1.1 200 OK\r\n')), /not a multiplexed stream/);
});

test('JSON messages are one object per line, errors with errorDetail', () => {
  assert.deepEqual(JSON.parse(statusMessage('Pulling from library/busybox', 'latest')), { status: 'Pulling from library/busybox', id: 'latest' });
  assert.deepEqual(JSON.parse(errorMessage('boom')), { errorDetail: { message: 'boom' }, error: 'boom' });
  assert.deepEqual(JSON.parse(streamMessage('Step 1/2\n')), { stream: 'Step 1/2\n' });
  assert.ok(statusMessage('x').endsWith('\r\n'));
});
