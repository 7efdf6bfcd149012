import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCidr, formatCidr, overlaps, parseIPv4, formatIPv4 } from '../../../src/network/cidr.ts';
import { checkSubnet, gatewayFor, pickDefaultSubnet, pickUserSubnet } from '../../../src/network/subnet.ts';
import { attachmentChain, buildConflist } from '../../../src/network/conflist.ts';
import { InvalidNetworkConfigError, SubnetConflictError, SubnetPoolExhaustedError } from '../../../src/network/errors.ts';

test('cidr parsing and overlap', () => {
  assert.equal(parseIPv4('10.89.3.7'), ((10 * 256 + 89) * 256 + 3) * 256 + 7);
  assert.equal(parseIPv4('256.1.1.1'), undefined);
  assert.equal(parseIPv4('01.1.1.1'), undefined);
  assert.equal(formatIPv4(parseIPv4('192.0.2.254')!), '192.0.2.254');
  assert.equal(parseCidr('10.0.0.1/24'), undefined);
  assert.equal(formatCidr(parseCidr('10.0.0.1/24', false)!), '10.0.0.0/24');
  assert.ok(overlaps(parseCidr('10.88.0.0/16')!, parseCidr('10.88.4.0/24')!));
  assert.ok(!overlaps(parseCidr('10.88.0.0/16')!, parseCidr('10.89.0.0/24')!));
});

test('pickUserSubnet skips networks and host routes', () => {
  assert.equal(pickUserSubnet([]), '10.89.0.0/24');
  assert.equal(pickUserSubnet([{ cidr: '10.89.0.0/24', what: 'a' }, { cidr: '10.89.1.128/25', what: 'route' }]), '10.89.2.0/24');
  // A host route covering the whole pool exhausts it; the default route (/0) never counts.
  assert.throws(() => pickUserSubnet([{ cidr: '10.0.0.0/8', what: 'vpn' }]), SubnetPoolExhaustedError);
  assert.equal(pickUserSubnet([{ cidr: '0.0.0.0/0', what: 'default' }]), '10.89.0.0/24');
});

test('checkSubnet and gatewayFor', () => {
  assert.equal(checkSubnet('10.90.0.0/24', []), '10.90.0.0/24');
  assert.throws(() => checkSubnet('10.90.0.1/24', []), /host bits are set; did you mean 10.90.0.0\/24/);
  assert.throws(() => checkSubnet('banana', []), InvalidNetworkConfigError);
  assert.throws(() => checkSubnet('10.0.0.0/31', []), /prefix length/);
  assert.throws(() => checkSubnet('10.90.0.0/24', [{ cidr: '10.90.0.0/16', what: 'network "x"' }]),
    (e: unknown) => e instanceof SubnetConflictError && /network "x"/.test(e.message));
  assert.equal(gatewayFor('10.90.0.0/24'), '10.90.0.1');
  assert.equal(gatewayFor('10.90.0.0/24', '10.90.0.254'), '10.90.0.254');
  assert.throws(() => gatewayFor('10.90.0.0/24', '10.91.0.1'), /not inside subnet/);
  assert.throws(() => gatewayFor('10.90.0.0/24', '10.90.0.255'), /broadcast/);
});

test('conflist: bridge + host-local, portmap with the capability; no masquerade or firewall per container', () => {
  const c = buildConflist({ name: 'n1', bridge: 'berth-abc', subnet: '10.89.4.0/24', gateway: '10.89.4.1', internal: false, ipamDataDir: '/s/ipam' });
  assert.equal(c.cniVersion, '1.0.0');
  assert.deepEqual(c.plugins.map((p) => p.type), ['bridge', 'portmap']);
  const b = c.plugins[0] as Record<string, unknown>;
  assert.equal(b.isGateway, true);
  assert.equal(b.ipMasq, false, 'masquerade is per network (rules.ts)');
  assert.deepEqual(b.ipam, { type: 'host-local', dataDir: '/s/ipam', ranges: [[{ subnet: '10.89.4.0/24', gateway: '10.89.4.1' }]], routes: [{ dst: '0.0.0.0/0' }] });
  assert.deepEqual(c.plugins[1].capabilities, { portMappings: true });
  const internal = buildConflist({ name: 'n2', bridge: 'berth-def', subnet: '10.89.5.0/24', gateway: '10.89.5.1', internal: true, ipamDataDir: '/s/ipam' });
  assert.deepEqual(internal.plugins.map((p) => p.type), ['bridge']);
  assert.equal((internal.plugins[0] as Record<string, unknown>).isGateway, false);
});

test('attachmentChain: portmap (wherever it sits in a kubelet-style list) only with port mappings', () => {
  const list = { cniVersion: '1.0.0', name: 'k8s', plugins: [{ type: 'bridge' }, { type: 'portmap', capabilities: { portMappings: true } }, { type: 'bandwidth' }] };
  assert.deepEqual(attachmentChain(list, []).plugins.map((p) => p.type), ['bridge', 'bandwidth']);
  assert.equal(attachmentChain(list, [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }]), list);
  assert.equal(list.plugins.length, 3, 'the loaded list itself is left as it was');
});

test('pickDefaultSubnet: 10.88/16 unless a host bridge holds it, then docker-style /16s, then the user pool', () => {
  assert.equal(pickDefaultSubnet([]), '10.88.0.0/16');
  const podman = { cidr: '10.88.0.0/16', what: 'host route via cni-podman0' };
  assert.equal(pickDefaultSubnet([podman]), '172.17.0.0/16');
  assert.equal(pickDefaultSubnet([podman, { cidr: '172.16.0.0/12', what: 'host route via vpn0' }]), '10.89.0.0/24');
});
