// The SPDY/3.1 framer and session against a hand-driven client over a real socket: the SPDY/3
// dictionary byte for byte, header blocks through zlib with it, SYN_STREAM → SYN_REPLY, DATA
// both ways, FIN, PING, RST_STREAM, and more than the 64 KiB initial window sent without any
// WINDOW_UPDATE from the peer (Go's spdystream never sends one).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants, createDeflate, createInflate, type Deflate, type Inflate } from 'node:zlib';
import { SPDY3_DICTIONARY } from '../../../src/cri/streaming/spdy-dictionary.ts';
import {
  controlFrame, dataFrame, decodeHeaderBlock, encodeHeaderBlock, FLAG_FIN, FrameReader, PING, RST_STREAM, SpdySession,
  SYN_REPLY, SYN_STREAM, type Frame, type SpdyStream,
} from '../../../src/cri/streaming/spdy.ts';

test('the SPDY/3 header dictionary is the protocol\'s, byte for byte', () => {
  assert.equal(SPDY3_DICTIONARY.length, 1423);
  assert.equal(createHash('sha256').update(SPDY3_DICTIONARY).digest('hex'), '51d27341373f923f3cd88e1eb7162aeaa3723d7585ff2399201dc06498407f02');
});

test('frames and header blocks round-trip', () => {
  const r = new FrameReader();
  const bytes = Buffer.concat([controlFrame(PING, 0, Buffer.from([0, 0, 0, 7])), dataFrame(5, FLAG_FIN, Buffer.from('hi'))]);
  const frames: Frame[] = [];
  for (const b of bytes) frames.push(...r.push(Buffer.from([b])));
  assert.deepEqual(frames.map((f) => [f.control, f.type, f.streamId, f.flags, f.data.toString('hex')]), [[true, PING, 0, 0, '00000007'], [false, 0, 5, FLAG_FIN, '6869']]);
  assert.deepEqual(decodeHeaderBlock(encodeHeaderBlock({ streamType: 'stdout', port: '80' })), { streamtype: 'stdout', port: '80' });
});

/** zlib with the dictionary, flushed per block, as a client's compressor/decompressor. */
function zrun(z: Deflate | Inflate, input: Buffer): Promise<Buffer> {
  return new Promise((resolve) => {
    const out: Buffer[] = [];
    const on = (d: Buffer) => out.push(d);
    z.on('data', on);
    z.write(input);
    z.flush(constants.Z_SYNC_FLUSH, () => { z.off('data', on); resolve(Buffer.concat(out)); });
  });
}

test('a session: streams opened by the client, replies, data both ways, no window stalls', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-test-spdy-'));
  const sockPath = join(dir, 's');
  const sessions: SpdySession[] = [];
  const server = createServer((s) => sessions.push(new SpdySession(s)));
  await new Promise<void>((r) => server.listen(sockPath, r));
  t.after(() => { for (const s of sessions) s.close(); server.close(); rmSync(dir, { recursive: true, force: true }); });
  const client: Socket = connect(sockPath);
  await new Promise((r) => client.once('connect', r));
  while (!sessions.length) await new Promise((r) => setTimeout(r, 5));
  const session = sessions[0];
  const opened: SpdyStream[] = [];
  session.on('stream', (s: SpdyStream) => opened.push(s));

  const reader = new FrameReader();
  const got: Frame[] = [];
  client.on('data', (d: Buffer) => got.push(...reader.push(d)));
  const deflate = createDeflate({ dictionary: SPDY3_DICTIONARY });
  const inflate = createInflate({ dictionary: SPDY3_DICTIONARY });
  t.after(() => { deflate.close(); inflate.close(); client.destroy(); });
  const syn = async (id: number, headers: Record<string, string>) => {
    const head = Buffer.alloc(10);
    head.writeUInt32BE(id, 0);
    client.write(controlFrame(SYN_STREAM, 0, Buffer.concat([head, await zrun(deflate, encodeHeaderBlock(headers))])));
  };
  await syn(1, { streamType: 'error' });
  await syn(3, { streamType: 'stdout' });
  const until = async (cond: () => boolean) => { for (let i = 0; i < 400 && !cond(); i++) await new Promise((r) => setTimeout(r, 10)); assert.ok(cond()); };
  await until(() => opened.length === 2 && got.filter((f) => f.control && f.type === SYN_REPLY).length === 2);
  assert.deepEqual(opened.map((s) => [s.id, s.headers.streamtype]), [[1, 'error'], [3, 'stdout']]);
  // Both replies decompress (the second one with the zlib state the first left).
  for (const f of got.filter((x) => x.type === SYN_REPLY)) assert.deepEqual(decodeHeaderBlock(await zrun(inflate, f.data.subarray(4))), {});

  // Client → server data and FIN.
  const received: Buffer[] = [];
  let ended = false;
  opened[0].on('data', (d: Buffer) => received.push(d));
  opened[0].on('end', () => { ended = true; });
  client.write(dataFrame(1, 0, Buffer.from('abc')));
  client.write(dataFrame(1, FLAG_FIN, Buffer.from('def')));
  await until(() => ended);
  assert.equal(Buffer.concat(received).toString(), 'abcdef');

  // Server → client: 200 kB, far past the 64 KiB initial window, with no WINDOW_UPDATE sent.
  const payload = Buffer.alloc(200_000, 0x78);
  opened[1].end(payload);
  await until(() => got.some((f) => !f.control && f.streamId === 3 && (f.flags & FLAG_FIN)));
  const sent = Buffer.concat(got.filter((f) => !f.control && f.streamId === 3).map((f) => f.data));
  assert.equal(sent.length, payload.length);
  assert.ok(got.filter((f) => !f.control && f.streamId === 3).every((f) => f.data.length <= 16384));

  // PING is echoed; RST_STREAM closes the stream on our side.
  client.write(controlFrame(PING, 0, Buffer.from([0, 0, 0, 9])));
  await until(() => got.some((f) => f.control && f.type === PING));
  let closed = false;
  opened[1].on('close', () => { closed = true; });
  const rst = Buffer.alloc(8);
  rst.writeUInt32BE(3, 0); rst.writeUInt32BE(5, 4);
  client.write(controlFrame(RST_STREAM, 0, rst));
  await until(() => closed);
  assert.equal(session.streams.has(3), false);
});
