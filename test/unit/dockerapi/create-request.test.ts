import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePortKey, ramInBytes, toCreateRequest } from '../../../src/dockerapi/create-request.ts';
import { HttpError } from '../../../src/dockerapi/errors.ts';
import { MountSpecError } from '../../../src/engine/index.ts';

const is400 = (re: RegExp) => (e: unknown) => e instanceof HttpError && e.status === 400 && re.test(e.message);

test("the docker CLI's `run --rm -it busybox sh` body", () => {
  const { req, warnings } = toCreateRequest({
    Hostname: '', Domainname: '', User: '', AttachStdin: true, AttachStdout: true, AttachStderr: true, Tty: true, OpenStdin: true,
    StdinOnce: true, Env: ['A=1'], Cmd: ['sh'], Image: 'busybox', Volumes: null, WorkingDir: '', Entrypoint: null, OnBuild: null, Labels: {},
    HostConfig: { Binds: null, NetworkMode: 'default', PortBindings: {}, RestartPolicy: { Name: 'no', MaximumRetryCount: 0 }, AutoRemove: true,
      ConsoleSize: [40, 120], CapAdd: null, CapDrop: null, Dns: [], DnsOptions: [], DnsSearch: [], ExtraHosts: null, Privileged: false,
      ReadonlyRootfs: false, SecurityOpt: null, LogConfig: { Type: '', Config: {} }, Memory: 0, NanoCpus: 0, PidsLimit: null, Devices: [], Ulimits: [] },
    NetworkingConfig: { EndpointsConfig: { default: {} } },
  }, 'box');
  assert.equal(req.image, 'busybox');
  assert.equal(req.name, 'box');
  assert.equal(req.pull, 'never');
  assert.deepEqual(req.cmd, ['sh']);
  assert.equal(req.entrypoint, undefined);
  assert.equal(req.tty, true);
  assert.equal(req.openStdin, true);
  assert.equal(req.autoRemove, true);
  assert.equal(req.networkMode, 'bridge');
  assert.deepEqual(req.consoleSize, { height: 40, width: 120 });
  assert.equal(req.restart, undefined);
  assert.deepEqual(req.env, ['A=1']);
  assert.deepEqual(warnings, []);
});

test('mounts: Binds, Mounts, Tmpfs and Config.Volumes', () => {
  const { req } = toCreateRequest({
    Image: 'x', Volumes: { '/anon': {}, '/data': {} },
    HostConfig: {
      Binds: ['/host:/ctr:ro', 'named:/data'],
      Mounts: [{ Type: 'tmpfs', Target: '/t', TmpfsOptions: { SizeBytes: 65536, Mode: 0o1777 } }, { Type: 'bind', Source: '/s', Target: '/b', ReadOnly: true, BindOptions: { Propagation: 'rshared' } }],
      Tmpfs: { '/run': 'size=64k' },
    },
  }, undefined);
  assert.deepEqual(req.mounts, [
    { type: 'bind', source: '/host', target: '/ctr', readOnly: true, options: [] },
    { type: 'volume', source: 'named', target: '/data', readOnly: false, options: [] },
    { type: 'tmpfs', source: '', target: '/t', readOnly: false, options: ['size=65536', 'mode=1777'] },
    { type: 'bind', source: '/s', target: '/b', readOnly: true, options: ['rshared'] },
    { type: 'tmpfs', source: '', target: '/run', readOnly: false, options: ['size=64k'] },
    { type: 'volume', source: '', target: '/anon', readOnly: false, options: [], anonymous: true },
  ]);
  assert.throws(() => toCreateRequest({ Image: 'x', HostConfig: { Binds: ['/a:/b:bogus'] } }, undefined), MountSpecError);
  assert.throws(() => toCreateRequest({ Image: 'x', HostConfig: { Mounts: [{ Type: 'nfs', Target: '/t' }] } }, undefined), is400(/mount type unknown/));
  assert.throws(() => toCreateRequest({ Image: 'x', HostConfig: { Mounts: [{ Type: 'bind', Target: '/t' }] } }, undefined), is400(/Source must not be empty/));
});

test('ports: PortBindings and PublishAllPorts over ExposedPorts', () => {
  const { req } = toCreateRequest({
    Image: 'x', ExposedPorts: { '80/tcp': {}, '53/udp': {} },
    HostConfig: { PortBindings: { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '8080' }] }, PublishAllPorts: true },
  }, undefined);
  assert.deepEqual(req.publish, [
    { hostIP: '127.0.0.1', hostPort: 8080, containerPort: 80, protocol: 'tcp' },
    { hostIP: '', hostPort: 0, containerPort: 53, protocol: 'udp' },
  ]);
  assert.deepEqual(parsePortKey('8080'), { port: 8080, protocol: 'tcp' });
  assert.throws(() => parsePortKey('99999/tcp'), is400(/invalid port/));
  assert.throws(() => toCreateRequest({ Image: 'x', HostConfig: { PortBindings: { '80/tcp': [{ HostPort: 'http' }] } } }, undefined), is400(/invalid port/));
});

test('resources, restart policy, security options, log config, init', () => {
  const { req, warnings } = toCreateRequest({
    Image: 'x', StopSignal: 'SIGINT', StopTimeout: 3,
    HostConfig: {
      Memory: 64 << 20, MemorySwap: -1, NanoCpus: 1_500_000_000, PidsLimit: 50, ShmSize: 1 << 20,
      RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 2 }, CapAdd: ['NET_ADMIN'], CapDrop: ['MKNOD'], Privileged: false,
      SecurityOpt: ['no-new-privileges', 'seccomp=unconfined', 'apparmor=x'], LogConfig: { Type: 'json-file', Config: { 'max-size': '10m' } },
      Init: true, ReadonlyRootfs: true, Dns: ['1.1.1.1'], ExtraHosts: ['h:1.2.3.4'], Ulimits: [{ Name: 'nofile', Soft: 1, Hard: 1 }],
    },
  }, undefined);
  assert.equal(req.memory, 64 << 20);
  assert.equal(req.memorySwap, undefined);
  assert.equal(req.cpus, 1.5);
  assert.equal(req.pidsLimit, 50);
  assert.equal(req.shmSize, 1 << 20);
  assert.deepEqual(req.restart, { name: 'on-failure', maximumRetryCount: 2 });
  assert.deepEqual([req.capAdd, req.capDrop], [['NET_ADMIN'], ['MKNOD']]);
  assert.equal(req.noNewPrivileges, true);
  assert.equal(req.seccomp, 'unconfined');
  assert.equal(req.logSizeMax, 10 << 20);
  assert.equal(req.init, true);
  assert.equal(req.readOnly, true);
  assert.deepEqual(req.dns, ['1.1.1.1']);
  assert.deepEqual(req.extraHosts, ['h:1.2.3.4']);
  assert.equal(req.stopSignal, 'SIGINT');
  assert.equal(req.stopTimeout, 3);
  assert.ok(warnings.some((w) => /Ulimits/.test(w)));
  assert.ok(warnings.some((w) => /apparmor/.test(w)));
  assert.equal(toCreateRequest({ Image: 'x', HostConfig: { CpuQuota: 50000, CpuPeriod: 100000 } }, undefined).req.cpus, 0.5);
  assert.throws(() => toCreateRequest({ Image: 'x', HostConfig: { RestartPolicy: { Name: 'sometimes' } } }, undefined), is400(/invalid restart policy/));
  assert.throws(() => toCreateRequest({ Image: 'x', HostConfig: { RestartPolicy: { Name: 'always' }, AutoRemove: true } }, undefined), is400(/conflicting options/));
  assert.throws(() => toCreateRequest({ Image: 'x', HostConfig: { SecurityOpt: ['seccomp={"defaultAction":"SCMP_ACT_ALLOW"}'] } }, undefined), is400(/inline profile/));
});

test('networks: NetworkMode with its endpoint aliases; compose-style endpoint-only network', () => {
  const a = toCreateRequest({ Image: 'x', HostConfig: { NetworkMode: 'proj_default' }, NetworkingConfig: { EndpointsConfig: { proj_default: { Aliases: ['web'] } } } }, undefined).req;
  assert.equal(a.networkMode, 'proj_default');
  assert.deepEqual(a.networkAliases, ['web']);
  const b = toCreateRequest({ Image: 'x', NetworkingConfig: { EndpointsConfig: { mynet: { Aliases: ['db'] } } } }, undefined).req;
  assert.equal(b.networkMode, 'mynet');
  assert.deepEqual(b.networkAliases, ['db']);
  assert.equal(toCreateRequest({ Image: 'x', HostConfig: { NetworkMode: 'host' } }, undefined).req.networkMode, 'host');
});

test('Cmd and Entrypoint as docker StrSlice; an empty entrypoint', () => {
  assert.deepEqual(toCreateRequest({ Image: 'x', Cmd: 'echo hi' }, undefined).req.cmd, ['echo hi']);
  assert.deepEqual(toCreateRequest({ Image: 'x', Entrypoint: [''] }, undefined).req.entrypoint, []);
  assert.equal(toCreateRequest({ Image: 'x' }, '/slashed').req.name, 'slashed');
});

test('wrong types are 400s naming the field; an empty body or no image is a 400', () => {
  assert.throws(() => toCreateRequest({ Image: 'x', Cmd: 5 }, undefined), is400(/cannot unmarshal number into Go struct field Config.Cmd of type \[\]string/));
  assert.throws(() => toCreateRequest({ Image: 'x', Env: 'A=1' }, undefined), is400(/Config.Env of type \[\]string/));
  assert.throws(() => toCreateRequest({ Image: 'x', Tty: 'yes' }, undefined), is400(/Config.Tty of type bool/));
  assert.throws(() => toCreateRequest({ Image: 'x', HostConfig: [] }, undefined), is400(/HostConfig of type object/));
  assert.throws(() => toCreateRequest({ Image: 'x', HostConfig: { Memory: '1g' } }, undefined), is400(/HostConfig.Memory of type int64/));
  assert.throws(() => toCreateRequest({ Image: 'x', Labels: { a: 1 } }, undefined), is400(/Config.Labels.a of type string/));
  assert.throws(() => toCreateRequest(undefined, undefined), is400(/cannot be empty/));
  assert.throws(() => toCreateRequest([], undefined), is400(/cannot unmarshal array/));
  assert.throws(() => toCreateRequest({ Cmd: ['x'] }, undefined), is400(/no Image/));
});

test("docker's RAMInBytes units", () => {
  assert.equal(ramInBytes('10m', 'x'), 10 << 20);
  assert.equal(ramInBytes('1g', 'x'), 1 << 30);
  assert.equal(ramInBytes('512', 'x'), 512);
  assert.equal(ramInBytes('1.5k', 'x'), 1536);
  assert.throws(() => ramInBytes('lots', 'x'), is400(/invalid size/));
});
