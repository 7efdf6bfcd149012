// The server's HTTP behaviour over a real unix socket with a real engine on temporary roots
// (no containers are started): versions, errors in docker's shape, hostile requests.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect } from 'node:net';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { Engine } from '../../../src/engine/index.ts';
import { dockerApiServer, type DockerApiServer } from '../../../src/dockerapi/index.ts';
import { makeTemp, removeTemp } from '../../helpers/rootfs.ts';

let tmp: string;
let engine: Engine;
let api: DockerApiServer;
let sock: string;

before(async () => {
  tmp = makeTemp('berth-dockerapi-unit-');
  engine = new Engine({ root: join(tmp, 'root'), runRoot: join(tmp, 'run') });
  api = dockerApiServer({ engine, version: '0.0.0-test', attachHelper: '/nonexistent', log: () => {} });
  sock = join(tmp, 'docker.sock');
  await api.listenUnix(sock);
});

after(async () => {
  await api.close();
  engine.close();
  removeTemp(tmp);
});

interface Res { status: number; headers: Record<string, string | string[] | undefined>; body: string }

function call(method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}): Promise<Res> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: sock, method, path, headers: { ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...headers } }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Raw bytes to the socket; resolves with everything the server sent back before closing. */
function raw(bytes: string, closeAfterMs = 500): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(sock);
    let out = '';
    s.on('data', (d) => (out += d));
    s.on('close', () => resolve(out));
    s.on('error', () => resolve(out));
    s.write(bytes);
    setTimeout(() => s.destroy(), closeAfterMs);
  });
}

const message = (r: Res) => (JSON.parse(r.body) as { message: string }).message;

test('the socket is mode 0660', () => {
  assert.equal(statSync(sock).mode & 0o777, 0o660);
});

test('/_ping answers GET and HEAD with Api-Version', async () => {
  const g = await call('GET', '/_ping');
  assert.equal(g.status, 200);
  assert.equal(g.body, 'OK');
  assert.equal(g.headers['api-version'], '1.44');
  assert.equal(g.headers.ostype, 'linux');
  const h = await call('HEAD', '/v1.41/_ping');
  assert.equal(h.status, 200);
  assert.equal(h.body, '');
  assert.equal(h.headers['api-version'], '1.44');
});

test('/version names the API range', async () => {
  const r = await call('GET', '/v1.44/version');
  const v = JSON.parse(r.body) as Record<string, unknown> & { Components: { Name: string; Details: Record<string, string> }[] };
  assert.equal(v.ApiVersion, '1.44');
  assert.equal(v.MinAPIVersion, '1.24');
  assert.equal(v.Version, '0.0.0-test');
  assert.equal(v.Components[0].Name, 'Engine');
  assert.equal(v.Components[0].Details.MinAPIVersion, '1.24');
});

test('unknown paths, methods and versions get docker error JSON', async () => {
  const nf = await call('GET', '/v1.44/nope');
  assert.equal(nf.status, 404);
  assert.equal(nf.headers['content-type'], 'application/json');
  assert.equal(message(nf), 'page not found');
  assert.equal((await call('PUT', '/containers/json')).status, 405);
  const tooNew = await call('GET', '/v1.99/info');
  assert.equal(tooNew.status, 400);
  assert.match(message(tooNew), /too new/);
});

test('typed engine errors map to docker statuses', async () => {
  const r = await call('GET', '/containers/nosuch/json');
  assert.equal(r.status, 404);
  assert.equal(message(r), 'No such container: nosuch');
  assert.equal((await call('POST', '/containers/nosuch/start')).status, 404);
  assert.equal((await call('DELETE', '/volumes/nosuch')).status, 404);
  assert.equal((await call('GET', '/exec/nosuch/json')).status, 404);
  const img = await call('POST', '/containers/create', JSON.stringify({ Image: 'no-such-image-here' }));
  assert.equal(img.status, 404);
  assert.equal(message(img), 'No such image: no-such-image-here:latest');
});

test('bad JSON, wrong types and bad parameters are 400s, and create leaves nothing behind', async () => {
  const bad = await call('POST', '/containers/create', '{"Image": ');
  assert.equal(bad.status, 400);
  assert.match(message(bad), /invalid JSON/);
  const typed = await call('POST', '/containers/create?name=x', JSON.stringify({ Image: 'busybox', Cmd: 42 }));
  assert.equal(typed.status, 400);
  assert.match(message(typed), /Config.Cmd of type \[\]string/);
  const empty = await call('POST', '/containers/create', '');
  assert.equal(empty.status, 400);
  const filters = await call('GET', '/containers/json?filters=%7Bnot-json');
  assert.equal(filters.status, 400);
  const badKey = await call('GET', `/containers/json?filters=${encodeURIComponent(JSON.stringify({ colour: ['red'] }))}`);
  assert.equal(badKey.status, 400);
  assert.match(message(badKey), /invalid filter 'colour'/);
  assert.equal((await call('GET', '/containers/json?limit=abc')).status, 400);
  assert.equal((await call('POST', '/containers/nosuch/wait?condition=whenever')).status, 400);
  assert.equal((await call('GET', '/containers/json?all=1')).body, '[]');
  assert.deepEqual(engine.containers.list({ all: true }), []);
});

test('a body over the limit is refused with 413 without reading it all', async () => {
  const big = Buffer.alloc(5 << 20, 0x20);
  const r = await call('POST', '/containers/create', big).catch((e: Error) => ({ status: -1, body: e.message, headers: {} }));
  // The server answers and closes: the client sees the 413 (or, if still writing, a reset).
  assert.ok(r.status === 413 || r.status === -1, `status ${r.status}`);
  if (r.status === 413) assert.match(message(r as Res), /too large/);
  assert.equal((await call('GET', '/_ping')).status, 200);
});

test('broken chunked encoding and garbage request lines get a 400 and the service stays up', async () => {
  const chunked = await raw('POST /containers/create HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n');
  assert.match(chunked, /^HTTP\/1.1 400/);
  assert.match(chunked, /"message"/);
  const garbage = await raw('NOT HTTP AT ALL\r\n\r\n');
  assert.match(garbage, /^HTTP\/1.1 400/);
  assert.equal((await call('GET', '/_ping')).status, 200);
});

test('a client that vanishes mid-body or mid-stream does not take the service down', async () => {
  await raw('POST /containers/create HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"Image":', 100);
  await raw('POST /images/create?fromImage=127.0.0.1:1/nothing HTTP/1.1\r\nHost: x\r\n\r\n', 50);
  await raw('GET /containers/json HTTP/1.1\r\nHost: x\r\n\r\n', 1);
  assert.equal((await call('GET', '/_ping')).status, 200);
  assert.deepEqual(engine.containers.list({ all: true }), []);
});

test('upgrade requests: errors in docker shape; a client that resets an upgraded connection does no harm', async () => {
  const nf = await raw('POST /v1.44/containers/nosuch/attach?stream=1&stdout=1 HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n');
  assert.match(nf, /^HTTP\/1.1 404 /);
  assert.match(nf, /"message":"No such container: nosuch"/);
  const ws = await raw('GET /v1.44/containers/nosuch/attach/ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: a2V5\r\n\r\n');
  assert.match(ws, /^HTTP\/1.1 404 /);
  for (let i = 0; i < 5; i++) await raw('POST /v1.44/containers/nosuch/attach HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n', 0);
  assert.equal((await call('GET', '/_ping')).status, 200);
});

test('volumes: create, inspect, list with filters, remove', async () => {
  const c = await call('POST', '/volumes/create', JSON.stringify({ Name: 'v1', Labels: { a: 'b' } }));
  assert.equal(c.status, 201);
  assert.equal((JSON.parse(c.body) as { Name: string }).Name, 'v1');
  const l = JSON.parse((await call('GET', `/volumes?filters=${encodeURIComponent(JSON.stringify({ label: ['a=b'] }))}`)).body) as { Volumes: { Name: string }[] };
  assert.deepEqual(l.Volumes.map((v) => v.Name), ['v1']);
  const none = JSON.parse((await call('GET', `/volumes?filters=${encodeURIComponent(JSON.stringify({ label: ['a=c'] }))}`)).body) as { Volumes: unknown[] };
  assert.deepEqual(none.Volumes, []);
  assert.equal((await call('GET', '/volumes/v1')).status, 200);
  const bad = await call('POST', '/volumes/create', JSON.stringify({ Name: 'bad/name' }));
  assert.equal(bad.status, 400);
  assert.equal((await call('DELETE', '/volumes/v1')).status, 204);
  assert.equal((await call('GET', '/volumes/v1')).status, 404);
});
