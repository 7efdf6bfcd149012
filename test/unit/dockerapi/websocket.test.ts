import { test } from 'node:test';
import assert from 'node:assert/strict';
import { acceptKey, encodeClientFrame, encodeFrame, FrameParser, OP_BINARY, OP_CLOSE, OP_CONT, OP_PING, OP_TEXT, WsProtocolError } from '../../../src/dockerapi/websocket.ts';

test("the accept key is RFC 6455's example", () => {
  assert.equal(acceptKey('dGhlIHNhbXBsZSBub25jZQ=='), 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
});

test('server frames: final, unmasked, with 7-, 16- and 64-bit lengths', () => {
  assert.deepEqual([...encodeFrame(OP_TEXT, 'hi')], [0x81, 2, 0x68, 0x69]);
  const mid = encodeFrame(OP_BINARY, Buffer.alloc(300));
  assert.deepEqual([...mid.subarray(0, 4)], [0x82, 126, 1, 44]);
  const big = encodeFrame(OP_BINARY, Buffer.alloc(70000));
  assert.equal(big[1], 127);
  assert.equal(big.readBigUInt64BE(2), 70000n);
});

test('client frames are unmasked, fragments reassembled, control frames passed through, at any cut', () => {
  const first = encodeClientFrame(OP_TEXT, 'hel');
  first[0] &= 0x7f; // not final
  const bytes = Buffer.concat([first, encodeClientFrame(OP_PING, 'p'), encodeClientFrame(OP_CONT, 'lo\n'), encodeClientFrame(OP_CLOSE, Buffer.from([3, 232]))]);
  for (let cut = 0; cut <= bytes.length; cut++) {
    const p = new FrameParser();
    const msgs = [...p.push(bytes.subarray(0, cut)), ...p.push(bytes.subarray(cut))];
    assert.deepEqual(msgs.map((m) => [m.opcode, m.data.toString('latin1')]), [[OP_PING, 'p'], [OP_TEXT, 'hello\n'], [OP_CLOSE, '\x03\xe8']], `cut at ${cut}`);
  }
});

test('unmasked client frames are a protocol error', () => {
  assert.throws(() => new FrameParser().push(encodeFrame(OP_TEXT, 'x')), WsProtocolError);
});
