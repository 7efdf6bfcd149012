// The :authority filter: HPACK walking (raw and Huffman strings, the dynamic table kept in
// step), and the real thing: Node's own HTTP/2 server refuses a socket path as :authority,
// and accepts it through the filter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { connect, createServer } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuthorityRewriter, huffmanSymbols } from '../../../src/cri/grpc/hpack.ts';
import { AuthorityScanner, filterAuthority } from '../../../src/cri/grpc/authority-filter.ts';

/** A literal with incremental indexing of static name 1 (:authority), raw (not Huffman) value. */
function literalAuthority(value: string): Buffer {
  assert.ok(value.length < 127);
  return Buffer.concat([Buffer.from([0x41, value.length]), Buffer.from(value, 'latin1')]);
}

test('a raw :authority literal is rewritten in place, the same length; the table stays in step', () => {
  const rw = new AuthorityRewriter();
  const b1 = Buffer.concat([Buffer.from([0x83]), literalAuthority('/run/berth/cri.sock')]); // :method POST, then :authority
  rw.rewrite(b1);
  assert.equal(b1.subarray(3).toString('latin1'), '-run-berth-cri.sock');
  assert.equal(rw.rewrites, 1);
  // The next block refers to the dynamic entry (index 62): nothing to rewrite, and no error.
  const b2 = Buffer.from([0x83, 0xbe]);
  rw.rewrite(b2);
  assert.deepEqual([...b2], [0x83, 0xbe]);
  // An index past the table is a decoding error, reported (the filter then passes the block on as sent).
  assert.throws(() => rw.rewrite(Buffer.from([0xff, 0x10])), /beyond the dynamic table/);
});

test('other headers and valid authorities are left alone', () => {
  const rw = new AuthorityRewriter();
  const b = Buffer.concat([literalAuthority('localhost:8080'), Buffer.from([0x04, 0x02]), Buffer.from('/x')]); // :path literal without indexing
  const before = Buffer.from(b);
  rw.rewrite(b);
  assert.deepEqual(b, before);
  assert.equal(rw.rewrites, 0);
});

test('Huffman strings decode symbol by symbol with their bit offsets', () => {
  // 'a' is 00011 (5 bits), '/' is 011000 (6 bits): "a/" = 00011011 000 + 11111 padding.
  const syms = huffmanSymbols(Buffer.from([0b00011011, 0b00011111]), 0, 2);
  assert.deepEqual(syms.map((s) => [String.fromCharCode(s.sym), s.bit]), [['a', 0], ['/', 5]]);
  assert.throws(() => huffmanSymbols(Buffer.from([0b00011011, 0b00010000]), 0, 2), /padding/);
});

test('the scanner holds a header block split over CONTINUATION frames and rewrites across them', () => {
  const sc = new AuthorityScanner();
  const preface = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
  const block = literalAuthority('/a/b.sock');
  const frame = (type: number, flags: number, stream: number, payload: Buffer) => {
    const h = Buffer.alloc(9);
    h.writeUIntBE(payload.length, 0, 3); h[3] = type; h[4] = flags; h.writeUInt32BE(stream, 5);
    return Buffer.concat([h, payload]);
  };
  const settings = frame(0x4, 0, 0, Buffer.alloc(0));
  const headers = frame(0x1, 0, 1, block.subarray(0, 5));
  const cont = frame(0x9, 0x4, 1, block.subarray(5));
  const all = Buffer.concat([preface, settings, headers, cont]);
  // Fed a byte at a time, the output is the input with the authority rewritten.
  const out: Buffer[] = [];
  for (let i = 0; i < all.length; i++) out.push(...sc.push(all.subarray(i, i + 1)));
  const got = Buffer.concat(out);
  assert.equal(got.length, all.length);
  // The value "/a/b.sock" is split "/a/" | "b.sock" by the frame boundary.
  assert.ok(got.includes(Buffer.from('-a-')) && got.includes(Buffer.from('b.sock')));
  assert.ok(!got.subarray(24).includes(Buffer.from('/')));
});

async function request(sock: string): Promise<{ status?: number; error?: string }> {
  return new Promise((resolve) => {
    const c = http2.connect('http://localhost', { createConnection: () => connect(sock) });
    const r = c.request({ ':path': '/x', ':authority': '/run/berth/cri.sock', ':method': 'POST' });
    let status: number | undefined;
    r.on('response', (h) => { status = Number(h[':status']); });
    r.on('error', (e) => { c.close(); resolve({ error: (e as Error).message }); });
    r.on('close', () => { c.close(); resolve(status ? { status } : { error: `reset ${r.rstCode}` }); });
    r.resume();
    r.end();
  });
}

test("Node's HTTP/2 server resets a socket path :authority; through the filter it is served", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-test-authority-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const h2 = http2.createServer();
  h2.on('stream', (s: http2.ServerHttp2Stream, h) => { s.respond({ ':status': 200, 'x-authority': String(h[':authority']) }); s.end(); });
  const plain = join(dir, 'plain.sock'), filtered = join(dir, 'filtered.sock');
  const direct = http2.createServer();
  direct.on('stream', (s: http2.ServerHttp2Stream) => { s.respond({ ':status': 200 }); s.end(); });
  await new Promise<void>((r) => direct.listen(plain, r));
  const front = createServer((sock) => h2.emit('connection', filterAuthority(sock)));
  await new Promise<void>((r) => front.listen(filtered, r));
  t.after(() => { direct.close(); front.close(); h2.close(); });
  const refused = await request(plain);
  assert.match(refused.error ?? '', /PROTOCOL_ERROR|reset 1/, 'without the filter nghttp2 refuses the stream');
  assert.deepEqual(await request(filtered), { status: 200 });
});
