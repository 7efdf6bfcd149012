import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ContainerRecord } from '../../../src/engine/index.ts';
import { containerJSON, containerSummary, humanDuration, statusText } from '../../../src/dockerapi/container-json.ts';

function record(over: Partial<ContainerRecord['state']> = {}): ContainerRecord {
  return {
    id: 'a'.repeat(64), name: 'web', created: '2026-01-01T00:00:00.000Z',
    config: {
      image: 'busybox', imageName: 'docker.io/library/busybox:latest', imageId: 'sha256:' + 'b'.repeat(64), chainId: 'sha256:c',
      entrypoint: [], cmd: ['sh', '-c', 'echo hi'], env: ['PATH=/bin'], workingDir: '/', user: '', hostname: 'aaaaaaaaaaaa', domainname: '',
      tty: false, openStdin: false, labels: { app: 'x' },
      mounts: [
        { type: 'volume', source: 'data', target: '/data', readOnly: false, options: [] },
        { type: 'bind', source: '/host', target: '/h', readOnly: true, options: [] },
        { type: 'tmpfs', source: '', target: '/t', readOnly: false, options: ['size=1k'] },
      ],
      publish: [{ hostIP: '', hostPort: 8080, containerPort: 80, protocol: 'tcp' }], networkMode: 'net1', networkAliases: [],
      extraHosts: [], dns: [], dnsSearch: [], dnsOptions: [], shmSize: 65536, readOnly: false, capAdd: [], capDrop: [], privileged: false,
      seccomp: 'unconfined', noNewPrivileges: true, restart: { name: 'always', maximumRetryCount: 0 }, init: false, stopSignal: 'SIGTERM',
      stopTimeout: 10, runtime: '/usr/bin/runc', autoRemove: false, logSizeMax: 0, memory: 1 << 26, cpus: 0.5,
    },
    state: {
      status: 'running', pid: 42, conmonPid: 41, exitCode: 0, oomKilled: false, startedAt: '2026-01-01T00:00:01.000Z', finishedAt: '',
      error: '', restartCount: 0, stoppedByUser: false, netnsPath: '/run/netns/x',
      networks: { net1: { ip: '10.89.0.2', mac: '02:42:0a:59:00:02', gateway: '10.89.0.1', aliases: ['web'] } },
      ports: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }], ...over,
    },
  };
}

const paths = { dir: '/var/lib/berth/containers/aaa', mountSources: ['/var/lib/berth/volumes/data/_data', '/host', ''] };

test("inspect has docker's State, Config, HostConfig, NetworkSettings and Mounts", () => {
  const j = containerJSON(record(), paths);
  assert.equal(j.Id, 'a'.repeat(64));
  assert.equal(j.Name, '/web');
  assert.equal(j.Path, 'sh');
  assert.deepEqual(j.Args, ['-c', 'echo hi']);
  assert.equal(j.Image, 'sha256:' + 'b'.repeat(64));
  assert.deepEqual(j.State, { Status: 'running', Running: true, Paused: false, Restarting: false, OOMKilled: false, Dead: false, Pid: 42, ExitCode: 0, Error: '', StartedAt: '2026-01-01T00:00:01.000Z', FinishedAt: '0001-01-01T00:00:00Z' });
  assert.equal(j.Config.Image, 'busybox');
  assert.deepEqual(j.Config.Cmd, ['sh', '-c', 'echo hi']);
  assert.equal(j.Config.Entrypoint, null);
  assert.deepEqual(j.Config.ExposedPorts, { '80/tcp': {} });
  assert.equal(j.HostConfig.NetworkMode, 'net1');
  assert.deepEqual(j.HostConfig.RestartPolicy, { Name: 'always', MaximumRetryCount: 0 });
  assert.deepEqual(j.HostConfig.PortBindings, { '80/tcp': [{ HostIp: '', HostPort: '8080' }] });
  assert.deepEqual(j.HostConfig.SecurityOpt, ['seccomp=unconfined', 'no-new-privileges']);
  assert.deepEqual(j.HostConfig.Binds, ['data:/data', '/host:/h:ro']);
  assert.deepEqual(j.HostConfig.Tmpfs, { '/t': 'size=1k' });
  assert.equal(j.HostConfig.Memory, 1 << 26);
  assert.equal(j.HostConfig.NanoCpus, 500_000_000);
  assert.equal(j.NetworkSettings.IPAddress, '10.89.0.2');
  assert.deepEqual(j.NetworkSettings.Ports, { '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '8080' }] });
  assert.equal(j.NetworkSettings.Networks.net1.IPAddress, '10.89.0.2');
  // Aliases carry the short id (docker up to API 1.44; compose 1.29 checks it).
  assert.deepEqual(j.NetworkSettings.Networks.net1.Aliases, ['web', 'aaaaaaaaaaaa']);
  assert.equal(j.LogPath, `${paths.dir}/ctr.log`);
  assert.deepEqual(j.Mounts.map((m) => [m.Type, m.Source, m.Destination, m.RW]), [['volume', '/var/lib/berth/volumes/data/_data', '/data', true], ['bind', '/host', '/h', false]]);
});

test('a created container shows the networks it is configured for; the default one as bridge, host and none as themselves', () => {
  const created = record({ status: 'created', pid: 0, startedAt: '', networks: {}, ports: [] });
  const j = containerJSON(created, paths);
  assert.deepEqual(Object.keys(j.NetworkSettings.Networks), ['net1']);
  assert.equal(j.NetworkSettings.Networks.net1.IPAddress, '');
  const onBridge = record({ networks: { berth: { ip: '10.88.0.9', mac: 'm', gateway: '10.88.0.1', aliases: [] } } });
  onBridge.config.networkMode = 'bridge';
  assert.deepEqual(Object.keys(containerJSON(onBridge, paths).NetworkSettings.Networks), ['bridge']);
  assert.equal(containerJSON(onBridge, paths).NetworkSettings.Networks.bridge.IPAddress, '10.88.0.9');
  // host and none are networks too, as docker shows them: no address, no aliases.
  onBridge.config.networkMode = 'host';
  onBridge.state.networks = {};
  const onHost = containerJSON(onBridge, paths).NetworkSettings.Networks;
  assert.deepEqual(Object.keys(onHost), ['host']);
  assert.deepEqual([onHost.host.IPAddress, onHost.host.Aliases, onHost.host.DNSNames], ['', null, null]);
  onBridge.config.networkMode = 'none';
  assert.deepEqual(Object.keys(containerSummary(onBridge).NetworkSettings.Networks), ['none']);
  onBridge.config.networkMode = 'container:abc';
  assert.deepEqual(containerJSON(onBridge, paths).NetworkSettings.Networks, {});
});

test('a paused container shows as paused; an exited one with its code and no pid', () => {
  assert.equal(containerJSON(record({ paused: true }), paths).State.Status, 'paused');
  const ex = containerJSON(record({ status: 'exited', exitCode: 3, pid: 0, finishedAt: '2026-01-01T00:01:00.000Z' }), paths);
  assert.equal(ex.State.Running, false);
  assert.equal(ex.State.ExitCode, 3);
  assert.equal(ex.State.Pid, 0);
});

test('the list summary, with docker status texts', () => {
  const now = Date.parse('2026-01-01T00:05:01.000Z');
  const s = containerSummary(record(), now);
  assert.deepEqual(s.Names, ['/web']);
  assert.equal(s.Command, 'sh -c echo hi');
  assert.equal(s.Created, Date.parse('2026-01-01T00:00:00.000Z') / 1000);
  assert.equal(s.State, 'running');
  assert.equal(s.Status, 'Up 5 minutes');
  assert.deepEqual(s.Ports, [{ IP: '0.0.0.0', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' }]);
  assert.deepEqual(s.Labels, { app: 'x' });
  assert.equal(s.HostConfig.NetworkMode, 'net1');
  const ex = record({ status: 'exited', exitCode: 137, finishedAt: '2026-01-01T00:05:00.000Z', ports: [] });
  assert.equal(statusText(ex, now), 'Exited (137) 1 second ago');
  assert.deepEqual(containerSummary(ex, now).Ports, [{ PrivatePort: 80, Type: 'tcp' }]);
  assert.equal(statusText(record({ status: 'created', startedAt: '' }), now), 'Created');
  assert.equal(humanDuration(90 * 60_000), '2 hours');
  assert.equal(humanDuration(60_000), 'About a minute');
});
