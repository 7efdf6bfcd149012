// Which pods run without an infra process, and which sysctls such a pod may set (pods/pinned.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkPodSysctls, usesInfra } from '../../../src/engine/pods/pinned.ts';
import type { PodConfig } from '../../../src/engine/pods/types.ts';

const config = (o: Partial<PodConfig>): PodConfig => ({
  name: 'p', hostname: 'p', labels: {}, annotations: {}, network: 'cni', sharePid: false, hostPid: false, hostIpc: false,
  dns: { servers: [], searches: [], options: [] }, portMappings: [], sysctls: {}, cgroupParent: '', logDirectory: '', metadata: {}, ...o,
});

test('an infra process unless asked for none, and always for a shared PID namespace', () => {
  assert.equal(usesInfra(config({})), true, 'berth pod create: podman\'s infra');
  assert.equal(usesInfra(config({ infra: false })), false);
  assert.equal(usesInfra(config({ infra: false, sharePid: true })), true, 'PID 1 of the shared namespace');
  assert.equal(usesInfra(config({ infra: false, sharePid: true, hostPid: true })), false, 'the host\'s PID namespace needs no PID 1 of ours');
});

test('sysctls must be in the pod\'s own namespaces', () => {
  checkPodSysctls(config({ sysctls: { 'kernel.shm_rmid_forced': '1', 'fs.mqueue.msg_max': '20', 'net.ipv4.ip_forward': '1', 'kernel.domainname': 'x' } }));
  assert.throws(() => checkPodSysctls(config({ sysctls: { 'vm.swappiness': '1' } })), /sysctl "vm\.swappiness" is not in a separate kernel namespace/);
  assert.throws(() => checkPodSysctls(config({ network: 'host', sysctls: { 'net.ipv4.ip_forward': '1' } })), /net\.ipv4\.ip_forward.*host's network namespace/);
  assert.throws(() => checkPodSysctls(config({ hostIpc: true, sysctls: { 'kernel.msgmax': '1' } })), /kernel\.msgmax.*host's IPC namespace/);
  assert.throws(() => checkPodSysctls(config({ sysctls: { 'kernel.hostname': 'x' } })), /use the hostname field/);
  assert.throws(() => checkPodSysctls(config({ sysctls: { 'net..x': '1' } })), /dot-separated/);
});
