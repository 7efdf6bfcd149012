import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderHosts, renderResolvConf, parseResolvConf } from '../../../src/network/index.ts';
import { pluginInput } from '../../../src/network/cni.ts';
import { splitRule, masqueradeChain } from '../../../src/network/host.ts';
import { summarize } from '../../../src/network/attach.ts';

test('renderHosts: localhost, extra hosts, self, peers', () => {
  const text = renderHosts({
    hostname: 'web1',
    self: [{ ip: '10.89.0.2', names: ['web', 'frontend'] }],
    peers: [
      { containerId: 'b'.repeat(64), name: 'db', aliases: ['postgres'], ip: '10.89.0.3', network: 'n' },
      { containerId: 'b'.repeat(64), name: 'db', aliases: ['postgres'], ip: '10.89.0.3', network: 'n' },
    ],
    extraHosts: [{ ip: '192.0.2.9', names: ['gateway.example'] }],
  });
  const lines = text.trimEnd().split('\n');
  assert.equal(lines[0], '127.0.0.1\tlocalhost');
  assert.equal(lines[1], '::1\tlocalhost ip6-localhost ip6-loopback');
  assert.ok(lines.includes('192.0.2.9\tgateway.example'));
  assert.ok(lines.includes('10.89.0.2\tweb1 web frontend'));
  assert.deepEqual(lines.filter((l) => l.startsWith('10.89.0.3')), [`10.89.0.3\tdb postgres ${'b'.repeat(12)}`]);
  // Not attached anywhere: the hostname still resolves.
  assert.match(renderHosts({ hostname: 'lonely', self: [], peers: [] }), /^127\.0\.1\.1\tlonely$/m);
});

test('renderResolvConf: host servers minus loopback, or --dns; search and options', () => {
  const host = '# generated\nnameserver 127.0.0.53\nnameserver 10.255.255.53\nnameserver ::1\nsearch corp.example\noptions edns0 trust-ad\n';
  assert.deepEqual(parseResolvConf(host), { nameservers: ['127.0.0.53', '10.255.255.53', '::1'], search: ['corp.example'], options: ['edns0', 'trust-ad'] });
  assert.equal(renderResolvConf({ hostResolvConf: host }), 'search corp.example\nnameserver 10.255.255.53\noptions edns0 trust-ad\n');
  assert.equal(renderResolvConf({ hostResolvConf: host, dns: ['9.9.9.9'], search: [], options: ['ndots:2'] }), 'nameserver 9.9.9.9\noptions ndots:2\n');
  assert.equal(renderResolvConf({ hostResolvConf: 'nameserver 127.0.0.1\n' }), 'nameserver 8.8.8.8\nnameserver 8.8.4.4\n');
});

test('pluginInput injects name, cniVersion, prevResult and only declared capabilities', () => {
  const list = { cniVersion: '1.0.0', name: 'n', plugins: [{ type: 'bridge' }, { type: 'portmap', capabilities: { portMappings: true } }] };
  const rt = { containerId: 'c', netns: '/x', ifName: 'eth0', capabilityArgs: { portMappings: [{ hostPort: 1, containerPort: 2, protocol: 'tcp' }] } };
  const prev = { cniVersion: '1.0.0', ips: [{ address: '10.0.0.2/24' }] };
  assert.deepEqual(pluginInput(list, list.plugins[0], rt), { type: 'bridge', cniVersion: '1.0.0', name: 'n' });
  assert.deepEqual(pluginInput(list, list.plugins[1], rt, prev), {
    type: 'portmap', capabilities: { portMappings: true }, cniVersion: '1.0.0', name: 'n', prevResult: prev,
    runtimeConfig: { portMappings: rt.capabilityArgs.portMappings },
  });
});

test('summarize picks the sandbox interface and its addresses', () => {
  const s = summarize({
    cniVersion: '1.0.0',
    interfaces: [{ name: 'berth0', mac: 'aa' }, { name: 'veth1', mac: 'bb' }, { name: 'eth0', mac: 'cc', sandbox: '/run/x' }],
    ips: [{ address: '10.88.0.5/16', gateway: '10.88.0.1', interface: 2 }],
  }, 'eth0');
  assert.deepEqual(s, { ips: ['10.88.0.5/16'], mac: 'cc', gateway: '10.88.0.1' });
});

test('iptables rule splitting and the bridge plugin chain name', () => {
  assert.deepEqual(splitRule('POSTROUTING -s 10.0.0.2/32 -m comment --comment "name: \\"n\\" id: \\"c\\"" -j CNI-x'),
    ['POSTROUTING', '-s', '10.0.0.2/32', '-m', 'comment', '--comment', 'name: "n" id: "c"', '-j', 'CNI-x']);
  // Observed from the real bridge plugin: network berth-test-smoke, container aaaa1111.
  assert.deepEqual(masqueradeChain('berth-test-smoke', 'aaaa1111'),
    { chain: 'CNI-638a81913419adc1ba11492e', comment: 'name: "berth-test-smoke" id: "aaaa1111"' });
});
