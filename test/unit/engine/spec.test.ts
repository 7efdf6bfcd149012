import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildSpec, effectiveCaps, DOCKER_DEFAULT_CAPS, type ContainerConfig, type SpecInputs } from '../../../src/engine/index.ts';
import { capMask } from '../../../src/oci/capabilities.ts';

function config(over: Partial<ContainerConfig> = {}): ContainerConfig {
  return {
    image: 'busybox', imageName: 'docker.io/library/busybox:latest', imageId: 'sha256:x', chainId: 'sha256:y',
    entrypoint: [], cmd: ['sh'], env: ['PATH=/bin'], workingDir: '/', user: '', hostname: 'h', domainname: '', tty: false,
    openStdin: false, labels: {}, mounts: [], publish: [], networkMode: 'bridge', networkAliases: [], extraHosts: [], dns: [],
    dnsSearch: [], dnsOptions: [], shmSize: 64 * 1024 * 1024, readOnly: false, capAdd: [], capDrop: [], privileged: false,
    seccomp: 'default', noNewPrivileges: false, restart: { name: 'no', maximumRetryCount: 0 }, init: false, stopSignal: 'SIGTERM',
    stopTimeout: 10, runtime: '/usr/bin/runc', autoRemove: false, logSizeMax: 0, ...over,
  };
}

function inputs(over: Partial<SpecInputs> = {}, c: Partial<ContainerConfig> = {}): SpecInputs {
  return {
    id: 'abc', config: config(c), rootfs: '/c/rootfs', user: { uid: 0, gid: 0, additionalGids: [], home: '/root' },
    netnsPath: '/run/berth/netns/x', hostsPath: '/c/hosts', hostnamePath: '/c/hostname', resolvConfPath: '/c/resolv.conf',
    mountSources: [], seccomp: { defaultAction: 'SCMP_ACT_ERRNO', syscalls: [] } as unknown as SpecInputs['seccomp'], ...over,
  };
}

test('docker defaults: caps, masked/readonly paths, /dev/shm 64m, etc files, netns path, cgroup path', () => {
  const s = buildSpec(inputs());
  assert.equal(capMask(s.process!.capabilities!.bounding, 63), 0xa80425fbn);
  assert.deepEqual(s.process!.capabilities!.bounding, DOCKER_DEFAULT_CAPS);
  assert.ok(s.linux!.maskedPaths!.includes('/proc/kcore'));
  assert.ok(s.linux!.readonlyPaths!.includes('/proc/sys'));
  assert.ok(s.linux!.seccomp);
  assert.deepEqual(s.mounts!.find((m) => m.destination === '/dev/shm')!.options!.at(-1), `size=${64 * 1024 * 1024}`);
  for (const f of ['/etc/hosts', '/etc/hostname', '/etc/resolv.conf']) assert.equal(s.mounts!.find((m) => m.destination === f)?.type, 'bind');
  assert.deepEqual(s.linux!.namespaces!.find((n) => n.type === 'network'), { type: 'network', path: '/run/berth/netns/x' });
  assert.equal(s.linux!.cgroupsPath, '/berth/abc');
  assert.deepEqual(s.linux!.resources!.devices, [{ allow: false, access: 'rwm' }]);
  assert.ok(s.process!.env!.includes('HOSTNAME=h'));
  assert.ok(s.process!.env!.includes('HOME=/root'));
  assert.equal(s.process!.noNewPrivileges, false);
});

test('limits, read-only, user mounts, tty, host network, privileged', () => {
  const s = buildSpec(inputs({ mountSources: ['/var/lib/berth/volumes/v/_data', ''] }, {
    memory: 1 << 25, cpus: 0.5, pidsLimit: 7, readOnly: true, tty: true, noNewPrivileges: true,
    mounts: [{ type: 'volume', source: 'v', target: '/data', readOnly: true, options: [] }, { type: 'tmpfs', source: '', target: '/t', readOnly: false, options: ['size=1m'] }],
  }));
  assert.deepEqual(s.linux!.resources!.memory, { limit: 1 << 25 });
  assert.deepEqual(s.linux!.resources!.cpu, { quota: 50000, period: 100000 });
  assert.deepEqual(s.linux!.resources!.pids, { limit: 7 });
  assert.equal(s.root!.readonly, true);
  assert.ok(s.process!.env!.includes('TERM=xterm'));
  assert.equal(s.process!.noNewPrivileges, true);
  const vol = s.mounts!.find((m) => m.destination === '/data')!;
  assert.equal(vol.source, '/var/lib/berth/volumes/v/_data');
  assert.ok(vol.options!.includes('ro'));
  assert.deepEqual(s.mounts!.find((m) => m.destination === '/t')!.options, ['nosuid', 'nodev', 'size=1m']);
  const host = buildSpec(inputs({ netnsPath: '', hostHostname: 'the-host' }, { networkMode: 'host' }));
  assert.equal(host.linux!.namespaces!.some((n) => n.type === 'network'), false);
  assert.equal(host.hostname, 'the-host');
  const priv = buildSpec(inputs({ availableCaps: ['CAP_CHOWN', 'CAP_SYS_ADMIN'] }, { privileged: true }));
  assert.deepEqual(priv.process!.capabilities!.bounding, ['CAP_CHOWN', 'CAP_SYS_ADMIN']);
  assert.equal(priv.linux!.seccomp, undefined);
  assert.equal(priv.linux!.maskedPaths, undefined);
  assert.deepEqual(priv.linux!.resources!.devices, [{ allow: true, access: 'rwm' }]);
});

test('cap arithmetic', () => {
  assert.deepEqual(effectiveCaps(['NET_ADMIN'], ['ALL'], false), ['CAP_NET_ADMIN']);
  assert.deepEqual(effectiveCaps([], ['chown', 'CAP_KILL'], false), DOCKER_DEFAULT_CAPS.filter((c) => c !== 'CAP_CHOWN' && c !== 'CAP_KILL'));
  assert.deepEqual(effectiveCaps(['ALL'], [], false, ['CAP_CHOWN']), ['CAP_CHOWN']);
  assert.throws(() => effectiveCaps(['NOT_A_CAP'], [], false), /unknown capability: "NOT_A_CAP"/);
});

test('--init without an init binary and an empty command are refused', () => {
  assert.throws(() => buildSpec(inputs({}, { init: true })), /--init: no init binary/);
  assert.throws(() => buildSpec(inputs({}, { cmd: [] })), /no command specified/);
  const s = buildSpec(inputs({ initPath: '/usr/bin/catatonit' }, { init: true }));
  assert.deepEqual(s.process!.args, ['/sbin/docker-init', '--', 'sh']);
});

test('rootfsPropagation follows the bind mounts: rshared for a shared bind, else rslave for a slave one, else unset', () => {
  const bind = (target: string, opt: string) => ({ type: 'bind' as const, source: `/h${target}`, target, readOnly: false, options: [opt] });
  const rootProp = (mounts: ContainerConfig['mounts']) => buildSpec(inputs({ mountSources: mounts.map((m) => m.source) }, { mounts })).linux!.rootfsPropagation;
  assert.equal(rootProp([]), undefined);
  assert.equal(rootProp([bind('/a', 'rprivate')]), undefined);
  assert.equal(rootProp([bind('/a', 'rslave')]), 'rslave');
  assert.equal(rootProp([bind('/a', 'slave')]), 'rslave');
  assert.equal(rootProp([bind('/a', 'rslave'), bind('/b', 'rshared')]), 'rshared');
  assert.equal(rootProp([bind('/a', 'shared')]), 'rshared');
  // A tmpfs has no host side to share with.
  assert.equal(rootProp([{ type: 'tmpfs', source: '', target: '/t', readOnly: false, options: ['size=1m'] }]), undefined);
});
