// The runtime client's request (native/runtime-client.c → src/daemon/runtime-serve.ts): told
// apart from berth-client's by its first string, parsed strictly, refused when malformed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isRuntimeRequest, parseRuntimeRequest, RUNTIME_MAGIC } from '../../../src/daemon/runtime-serve.ts';
import { CLIENT_MAGIC, ProtocolError } from '../../../src/daemon/protocol.ts';

const payload = (fields: string[]) => Buffer.from(fields.map((f) => `${f}\0`).join(''), 'utf8');
const NS = 'cgroup:[1] ipc:[2] mnt:[3] net:[4] pid:[5] time:[6] user:[7] uts:[8]';
const good = [RUNTIME_MAGIC, '/opt/berth/dist/berth-runtime.mjs', '4242', '/work', NS, '4', '--root', '/run/x', 'state', 'id1', '2', 'A=1', 'B=x=y'];

test('a request as the client writes it', () => {
  assert.equal(isRuntimeRequest(payload(good)), true);
  assert.deepEqual(parseRuntimeRequest(payload(good)), {
    script: '/opt/berth/dist/berth-runtime.mjs', pid: 4242, cwd: '/work', namespaces: NS,
    argv: ['--root', '/run/x', 'state', 'id1'], env: { A: '1', B: 'x=y' },
  });
});

test('berth-client\'s requests are not runtime requests', () => {
  assert.equal(isRuntimeRequest(payload([CLIENT_MAGIC, '/x', '1'])), false);
  assert.equal(isRuntimeRequest(payload(['berth-runtime/10', '/x'])), false);
});

test('malformed requests are refused', () => {
  const bad = (fields: string[] | Buffer) => assert.throws(() => parseRuntimeRequest(Buffer.isBuffer(fields) ? fields : payload(fields)), ProtocolError);
  bad(Buffer.from(`${RUNTIME_MAGIC}\0/x`)); // not NUL-terminated
  bad([...good, 'extra']);
  bad(good.slice(0, 7)); // argv cut short
  bad(good.map((f, i) => (i === 3 ? 'relative' : f)));
  bad(good.map((f, i) => (i === 2 ? '1' : f))); // pid
  bad(good.map((f, i) => (i === 5 ? '-1' : f))); // argc
});
