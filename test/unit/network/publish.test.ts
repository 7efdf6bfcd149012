import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';
import { parsePublish, resolvePortMappings, PublishSpecError, PortInUseError } from '../../../src/network/index.ts';

test('parsePublish: the docker forms', () => {
  assert.deepEqual(parsePublish('80'), [{ hostIP: '', hostPort: 0, containerPort: 80, protocol: 'tcp' }]);
  assert.deepEqual(parsePublish('8080:80'), [{ hostIP: '', hostPort: 8080, containerPort: 80, protocol: 'tcp' }]);
  assert.deepEqual(parsePublish('8080:80/udp'), [{ hostIP: '', hostPort: 8080, containerPort: 80, protocol: 'udp' }]);
  assert.deepEqual(parsePublish('127.0.0.1:8080:80/TCP'), [{ hostIP: '127.0.0.1', hostPort: 8080, containerPort: 80, protocol: 'tcp' }]);
  assert.deepEqual(parsePublish('127.0.0.1::80'), [{ hostIP: '127.0.0.1', hostPort: 0, containerPort: 80, protocol: 'tcp' }]);
  assert.deepEqual(parsePublish('0.0.0.0:53:53/udp'), [{ hostIP: '', hostPort: 53, containerPort: 53, protocol: 'udp' }]);
  assert.deepEqual(parsePublish('8000-8001:80-81'), [
    { hostIP: '', hostPort: 8000, containerPort: 80, protocol: 'tcp' },
    { hostIP: '', hostPort: 8001, containerPort: 81, protocol: 'tcp' },
  ]);
  assert.deepEqual(parsePublish('90-91').map((r) => [r.hostPort, r.containerPort]), [[0, 90], [0, 91]]);
});

test('parsePublish: clear errors', () => {
  const cases: [string, RegExp][] = [
    ['', /empty/],
    ['abc', /container port "abc" is not a number/],
    ['80/sctp', /protocol "sctp" is not tcp or udp/],
    ['70000', /out of range/],
    ['0:80', /host port 0 is out of range/],
    ['1.2.3:80:80', /host IP "1.2.3" is not an IPv4 address/],
    ['1:2:3:4', /too many ":"/],
    ['8080:', /missing container port/],
    ['8000-8002:80-81', /differ in length/],
    ['90-80', /ends before it starts/],
    ['[::1]:80:80', /IPv6/],
  ];
  for (const [spec, re] of cases) {
    assert.throws(() => parsePublish(spec), (e: unknown) => e instanceof PublishSpecError && e.spec === spec && re.test(e.message), spec);
  }
});

test('resolvePortMappings: picks free random ports, refuses taken ones', async (t) => {
  const [m] = await resolvePortMappings(parsePublish('127.0.0.1::80'));
  assert.equal(m.hostIP, '127.0.0.1');
  assert.ok(m.hostPort > 0 && m.hostPort < 65536);
  assert.equal(m.containerPort, 80);

  // A port a process holds on the host (tcp), bound on loopback only: refused for 127.0.0.1 and for all addresses.
  const srv = createServer();
  await new Promise<void>((r) => srv.listen({ host: '127.0.0.1', port: 0 }, () => r()));
  t.after(() => srv.close());
  const busy = (srv.address() as { port: number }).port;
  await assert.rejects(resolvePortMappings(parsePublish(`127.0.0.1:${busy}:80`)),
    (e: unknown) => e instanceof PortInUseError && e.hostPort === busy && /a process on the host/.test(e.message));
  await assert.rejects(resolvePortMappings(parsePublish(`${busy}:80`)), PortInUseError);
  // The same number over udp is a different socket.
  const [u] = await resolvePortMappings(parsePublish(`127.0.0.1:${busy}:80/udp`));
  assert.equal(u.hostPort, busy);

  // udp held on the host.
  const sock = createSocket('udp4');
  await new Promise<void>((r) => sock.bind({ address: '127.0.0.1', port: 0 }, () => r()));
  t.after(() => sock.close());
  const ubusy = sock.address().port;
  await assert.rejects(resolvePortMappings(parsePublish(`127.0.0.1:${ubusy}:53/udp`)), PortInUseError);

  // Published by another berth container (no host socket exists for portmap's DNAT).
  await assert.rejects(resolvePortMappings(parsePublish('40111:80'), [{ hostPort: 40111, containerPort: 8080, protocol: 'tcp' }]),
    (e: unknown) => e instanceof PortInUseError && /another berth container/.test(e.message));
  // Two mappings of one request list may not collide either.
  await assert.rejects(resolvePortMappings([...parsePublish('40112:80'), ...parsePublish('40112:81')]), PortInUseError);
  // A host IP that is not ours.
  await assert.rejects(resolvePortMappings(parsePublish('203.0.113.7:40113:80')),
    (e: unknown) => e instanceof PortInUseError && /not an address of this host/.test(e.message));
});
