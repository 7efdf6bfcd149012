// The client ↔ berthd request framing (src/daemon/protocol.ts), as native/client.c writes it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeRequest, parseRequest, ProtocolError, takeFrame, type ClientRequest } from '../../../src/daemon/protocol.ts';

const req: ClientRequest = {
  version: 2, script: '/opt/berth/dist/berth.mjs', pid: 4242, umask: 0o022, cwd: '/home/u/dir with space',
  stdio: [{ mode: 'r', fd: 5 }, { mode: 'a', fd: 1 }, { mode: 'u', fd: 2 }],
  argv: ['run', '--rm', '-e', 'A=b=c', 'busybox', 'sh', '-c', 'echo "ü $HOME"', ''],
  env: { PATH: '/usr/bin:/bin', EMPTY: '', WITH_EQ: 'x=y' },
};

test('a request survives the framing: argv with empty and non-ASCII strings, env values with =', () => {
  const wire = encodeRequest(req);
  const f = takeFrame(wire)!;
  assert.equal(f.rest.length, 0);
  assert.deepEqual(parseRequest(f.payload), req);
});

test('takeFrame waits for the whole frame and keeps what follows', () => {
  const wire = encodeRequest(req);
  assert.equal(takeFrame(wire.subarray(0, 3)), null);
  assert.equal(takeFrame(wire.subarray(0, wire.length - 1)), null);
  const f = takeFrame(Buffer.concat([wire, Buffer.from('xy')]))!;
  assert.equal(f.rest.toString(), 'xy');
  const huge = Buffer.alloc(4);
  huge.writeUInt32LE(64 << 20);
  assert.throws(() => takeFrame(huge), ProtocolError);
});

test('a closed stream is "-"; malformed requests are refused with what is wrong', () => {
  const closed = parseRequest(takeFrame(encodeRequest({ ...req, stdio: [{ mode: '-', fd: -1 }, req.stdio[1], req.stdio[2]] }))!.payload);
  assert.deepEqual(closed.stdio[0], { mode: '-', fd: -1 });
  const payload = (fields: string[]) => Buffer.from(fields.map((x) => `${x}\0`).join(''));
  const good = ['berth-client/1', '/s', '77', '22', '/', 'r0', 'w1', 'w2', '1', 'ps', '0'];
  assert.equal(parseRequest(payload(good)).argv[0], 'ps');
  assert.equal(parseRequest(payload(good)).version, 1); // a client that does not know "served"
  assert.equal(parseRequest(payload(['berth-client/2', ...good.slice(1)])).version, 2);
  assert.throws(() => parseRequest(payload(['berth-client/9', ...good.slice(1)])), /unknown client version/);
  assert.throws(() => parseRequest(payload(good.map((x, i) => (i === 5 ? 'x0' : x)))), /stdin "x0"/);
  assert.throws(() => parseRequest(payload(good.map((x, i) => (i === 3 ? '9z' : x)))), /umask/);
  assert.throws(() => parseRequest(payload(good.map((x, i) => (i === 2 ? '1' : x)))), /pid 1/);
  assert.throws(() => parseRequest(payload(good.slice(0, -1))), /envc missing/);
  assert.throws(() => parseRequest(payload([...good, 'extra'])), /trailing/);
  assert.throws(() => parseRequest(Buffer.from('berth-client/1')), /NUL-terminated/);
});
