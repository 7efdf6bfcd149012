// The CRI → engine translations, pure: a pod config to a pod request, a container config to a
// create request (security context, mounts, resources, log path), and what is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { podRequest } from '../../../src/cri/sandbox-run.ts';
import { createRequest } from '../../../src/cri/container-create.ts';
import { seccompFor } from '../../../src/cri/security.ts';
import { nanos, podName } from '../../../src/cri/convert.ts';
import { CriError } from '../../../src/cri/errors.ts';
import type { ContainerConfig, PodSandboxConfig } from '../../../src/cri/types.ts';

function pod(over: Partial<PodSandboxConfig> = {}): PodSandboxConfig {
  return {
    metadata: { name: 'web', namespace: 'default', uid: 'u-1', attempt: 2 }, hostname: '', logDirectory: '/var/log/pods/x',
    dnsConfig: null, portMappings: [], labels: {}, annotations: {}, linux: null, ...over,
  };
}

function ctr(over: Partial<ContainerConfig> = {}): ContainerConfig {
  return {
    metadata: { name: 'app', attempt: 1 }, image: { image: 'busybox', annotations: {} }, command: [], args: [], workingDir: '',
    envs: [], mounts: [], devices: [], labels: {}, annotations: {}, logPath: '', stdin: false, stdinOnce: false, tty: false, linux: null, ...over,
  };
}

test('pod config → pod request: network, namespaces, DNS, ports, sysctls, cgroup parent', () => {
  const r = podRequest(pod({
    hostname: 'h1', dnsConfig: { servers: ['10.0.0.10'], searches: ['svc'], options: ['ndots:5'] },
    portMappings: [{ protocol: 'UDP', containerPort: 53, hostPort: 1053, hostIp: '127.0.0.1' }],
    linux: { cgroupParent: '/kubepods/besteffort/podu-1/', securityContext: {
      namespaceOptions: { network: 'POD', pid: 'POD', ipc: 'NODE', targetId: '' }, selinuxOptions: null, runAsUser: null, runAsGroup: null,
      readonlyRootfs: false, supplementalGroups: [], privileged: false, seccomp: null, apparmor: null, seccompProfilePath: '' },
    sysctls: { 'net.ipv4.ip_forward': '1' }, overhead: null, resources: null },
  }));
  assert.equal(r.name, podName({ name: 'web', namespace: 'default', uid: 'u-1', attempt: 2 }));
  assert.equal(r.name, 'k8s_web_default_u-1_2');
  assert.equal(r.hostname, 'h1');
  assert.equal(r.network, 'cni');
  assert.equal(r.sharePid, true);
  assert.equal(r.hostIpc, true);
  assert.equal(r.hostPid, false);
  assert.deepEqual(r.dns, { servers: ['10.0.0.10'], searches: ['svc'], options: ['ndots:5'] });
  assert.deepEqual(r.portMappings, [{ protocol: 'udp', containerPort: 53, hostPort: 1053, hostIp: '127.0.0.1' }]);
  assert.equal(r.cgroupParent, 'kubepods/besteffort/podu-1');
  assert.deepEqual(r.sysctls, { 'net.ipv4.ip_forward': '1' });
  assert.deepEqual(r.metadata, { name: 'web', uid: 'u-1', namespace: 'default', attempt: 2 });
});

test('a pod on the node network; no hostname means the node\'s', () => {
  const r = podRequest(pod({ linux: { cgroupParent: '', securityContext: {
    namespaceOptions: { network: 'NODE', pid: 'NODE', ipc: 'POD', targetId: '' }, selinuxOptions: null, runAsUser: null, runAsGroup: null,
    readonlyRootfs: false, supplementalGroups: [], privileged: false, seccomp: null, apparmor: null, seccompProfilePath: '' }, sysctls: {}, overhead: null, resources: null } }));
  assert.equal(r.network, 'host');
  assert.equal(r.hostPid, true);
  assert.equal(r.hostname, hostname());
});

test('bad pod configs are InvalidArgument', () => {
  assert.throws(() => podRequest(pod({ metadata: { name: 'x', namespace: '', uid: 'u', attempt: 0 } })), (e: unknown) => e instanceof CriError && e.code === 3 && /metadata/.test(e.message));
  assert.throws(() => podRequest(pod({ portMappings: [{ protocol: 'TCP', containerPort: 0, hostPort: 80, hostIp: '' }] })), /invalid container port 0/);
});

test('container config → create request: command/args, env, mounts, log path, resources, security', () => {
  const r = createRequest(ctr({
    command: ['/bin/sh'], args: ['-c', 'true'], envs: [{ key: 'A', value: '1' }], workingDir: '/w', logPath: 'app/1.log',
    mounts: [{ containerPath: '/data', hostPath: '/srv/data', readonly: true, selinuxRelabel: false, propagation: 'PROPAGATION_HOST_TO_CONTAINER' }],
    linux: {
      resources: { cpuPeriod: '100000', cpuQuota: '50000', cpuShares: '512', memoryLimitInBytes: '67108864', oomScoreAdj: '0', cpusetCpus: '', cpusetMems: '', hugepageLimits: [], unified: {}, memorySwapLimitInBytes: '0' },
      securityContext: {
        capabilities: { addCapabilities: ['NET_ADMIN'], dropCapabilities: ['CHOWN'], addAmbientCapabilities: [] }, privileged: false,
        namespaceOptions: { network: 'POD', pid: 'CONTAINER', ipc: 'POD', targetId: '' }, selinuxOptions: null,
        runAsUser: { value: '1000' }, runAsGroup: { value: '2000' }, runAsUsername: '', readonlyRootfs: true, supplementalGroups: ['3000'],
        noNewPrivs: true, maskedPaths: ['/proc/kcore'], readonlyPaths: [], seccomp: { profileType: 'RuntimeDefault', localhostRef: '' },
        apparmor: null, apparmorProfile: '', seccompProfilePath: '',
      },
    },
  }), 'podid', 'k8s_app_web_1', '/var/log/pods/x');
  assert.deepEqual(r.entrypoint, ['/bin/sh']);
  assert.deepEqual(r.cmd, ['-c', 'true']);
  assert.deepEqual(r.env, ['A=1']);
  assert.equal(r.workingDir, '/w');
  assert.equal(r.logPath, '/var/log/pods/x/app/1.log');
  assert.equal(r.pod, 'podid');
  assert.equal(r.pull, 'never');
  assert.deepEqual(r.mounts, [{ type: 'bind', source: '/srv/data', target: '/data', readOnly: true, options: ['rslave'] }]);
  assert.equal(r.memory, 67108864);
  assert.equal(r.cpus, 0.5);
  assert.equal(r.user, '1000:2000');
  assert.deepEqual(r.supplementalGroups, [3000]);
  assert.deepEqual([r.capAdd, r.capDrop], [['NET_ADMIN'], ['CHOWN']]);
  assert.equal(r.readOnly, true);
  assert.equal(r.noNewPrivileges, true);
  assert.equal(r.seccomp, 'default');
  assert.deepEqual(r.maskedPaths, ['/proc/kcore']);
  assert.equal(r.readonlyPaths, undefined, 'an empty list keeps the defaults');
  assert.equal(r.pidMode, 'private');
  assert.equal(r.annotations!['io.berth.cri.container-name'], 'app');
});

test('no command keeps the image\'s; no security context is unconfined seccomp', () => {
  const r = createRequest(ctr(), 'p', 'n', '');
  assert.equal(r.entrypoint, undefined);
  assert.equal(r.cmd, undefined);
  assert.equal(r.seccomp, 'unconfined');
  assert.equal(r.logPath, undefined);
  assert.equal(r.pidMode, 'pod', 'absent namespace options read as POD');
  assert.equal(r.volatileRootfs, true, 'a CRI container\'s writable layer is never synced (kubelet never restarts it)');
});

test('mount propagation: kubelet\'s three modes as bind options (the engine derives rootfsPropagation from them)', () => {
  const mount = (propagation: 'PROPAGATION_PRIVATE' | 'PROPAGATION_HOST_TO_CONTAINER' | 'PROPAGATION_BIDIRECTIONAL') =>
    createRequest(ctr({ mounts: [{ containerPath: '/m', hostPath: '/h', readonly: false, selinuxRelabel: false, propagation }] }), 'p', 'n', '').mounts![0].options;
  assert.deepEqual(mount('PROPAGATION_PRIVATE'), ['rprivate']);
  assert.deepEqual(mount('PROPAGATION_HOST_TO_CONTAINER'), ['rslave']);
  assert.deepEqual(mount('PROPAGATION_BIDIRECTIONAL'), ['rshared']);
});

test('bad container configs are InvalidArgument', () => {
  assert.throws(() => createRequest(ctr({ image: { image: '', annotations: {} } }), 'p', 'n', ''), /image.image is required/);
  assert.throws(() => createRequest(ctr({ mounts: [{ containerPath: 'rel', hostPath: '/x', readonly: false, selinuxRelabel: false, propagation: 'PROPAGATION_PRIVATE' }] }), 'p', 'n', ''), /not absolute/);
  assert.throws(() => createRequest(ctr({ logPath: 'x.log' }), 'p', 'n', ''), /no log_directory/);
  const sc = { capabilities: null, privileged: false, namespaceOptions: null, selinuxOptions: null, runAsUser: null, runAsGroup: { value: '5' }, runAsUsername: '',
    readonlyRootfs: false, supplementalGroups: [], noNewPrivs: false, maskedPaths: [], readonlyPaths: [], seccomp: null, apparmor: null, apparmorProfile: '', seccompProfilePath: '' };
  assert.throws(() => createRequest(ctr({ linux: { resources: null, securityContext: sc } }), 'p', 'n', ''), /run_as_group needs run_as_user/);
});

test('seccomp profiles: the typed field first, then the deprecated path', () => {
  assert.equal(seccompFor({ profileType: 'Localhost', localhostRef: '/p.json' }, ''), '/p.json');
  assert.equal(seccompFor({ profileType: 'Unconfined', localhostRef: '' }, 'runtime/default'), 'unconfined');
  assert.equal(seccompFor(null, 'runtime/default'), 'default');
  assert.equal(seccompFor(null, 'localhost/x.json'), 'x.json');
  assert.equal(seccompFor(null, ''), 'unconfined');
  assert.throws(() => seccompFor(null, '/abs/profile.json'), /expected runtime\/default, unconfined or localhost\/<path>/);
});

test('timestamps are nanoseconds as decimal strings', () => {
  assert.equal(nanos('2026-01-02T03:04:05.678Z'), '1767323045678000000');
  assert.equal(nanos(''), '0');
});
