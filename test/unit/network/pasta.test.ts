// pasta's command line for a container's netns (src/network/pasta.ts): published ports as its
// -t/-u forwards (with a host address when given), none otherwise, never automatic forwarding.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pastaArgs, pastaPorts, PASTA_COMM } from '../../../src/network/pasta.ts';

test('pasta port specs: per protocol, [ADDR/]HOSTPORT:CONTAINERPORT, none when there are none', () => {
  const ports = [
    { hostPort: 8080, containerPort: 80, protocol: 'tcp' as const },
    { hostPort: 8443, containerPort: 443, protocol: 'tcp' as const, hostIP: '127.0.0.1' },
    { hostPort: 5353, containerPort: 53, protocol: 'udp' as const },
  ];
  assert.equal(pastaPorts(ports, 'tcp'), '8080:80,127.0.0.1/8443:443');
  assert.equal(pastaPorts(ports, 'udp'), '5353:53');
  assert.equal(pastaPorts([], 'tcp'), 'none');
});

test('pasta arguments: configures eth0 in the given netns, no gateway mapping, no automatic forwards', () => {
  const args = pastaArgs({ netnsPath: '/run/x/netns/c1', pidFile: '/c/pasta.pid', logPath: '/c/pasta.log', ports: [] });
  assert.deepEqual(args, ['--config-net', '--quiet', '--netns', '/run/x/netns/c1', '--ns-ifname', 'eth0', '--pid', '/c/pasta.pid', '--log-file', '/c/pasta.log',
    '--no-map-gw', '-t', 'none', '-u', 'none', '-T', 'none', '-U', 'none']);
});

test('pasta\'s process names, Debian\'s AVX2 build included', () => {
  for (const c of ['pasta', 'passt', 'pasta.avx2', 'passt.avx2']) assert.match(c, PASTA_COMM);
  for (const c of ['pastax', 'slirp4netns', 'pas']) assert.doesNotMatch(c, PASTA_COMM);
});
