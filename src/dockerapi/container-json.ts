// A container as docker's API shows it: ContainerJSON (inspect) and ContainerSummary (list),
// field for field as moby's v1.44 reference has them, from the engine's ContainerRecord.
import { DEFAULT_NETWORK, type ContainerRecord, type DeepReadonly, type ListedContainer, type MountSpec } from '../engine/index.ts';

const ZERO_TIME = '0001-01-01T00:00:00Z';

/** Where the engine keeps a container's files, and the host path behind each of its mounts
 * (engine.containers.inspect's bundleDir and mountSources). */
export interface ContainerPaths {
  dir: string;
  mountSources: string[];
}

export function dockerState(r: ListedContainer): string {
  const s = r.state;
  if (s.status === 'running' && s.paused) return 'paused';
  return s.status;
}

/** docker's human duration ("Up 5 minutes", "Exited (0) 2 seconds ago"). */
export function humanDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 1) return 'Less than a second';
  if (s < 60) return `${s} second${s === 1 ? '' : 's'}`;
  const m = Math.round(s / 60);
  if (m < 60) return m === 1 ? 'About a minute' : `${m} minutes`;
  const h = Math.round(s / 3600);
  if (h < 48) return h === 1 ? 'About an hour' : `${h} hours`;
  return `${Math.round(h / 24)} days`;
}

export function statusText(r: ListedContainer, now = Date.now()): string {
  const st = r.state;
  const since = (t: string) => humanDuration(now - Date.parse(t || r.created));
  switch (st.status) {
    case 'running': return `Up ${since(st.startedAt)}${st.paused ? ' (Paused)' : ''}`;
    case 'exited': return `Exited (${st.exitCode}) ${since(st.finishedAt)} ago`;
    case 'restarting': return `Restarting (${st.exitCode}) ${since(st.finishedAt)} ago`;
    case 'removing': return 'Removal In Progress';
    default: return 'Created';
  }
}

function portMap(r: ListedContainer): Record<string, { HostIp: string; HostPort: string }[] | null> {
  const ports: Record<string, { HostIp: string; HostPort: string }[] | null> = {};
  for (const p of r.config.publish) ports[`${p.containerPort}/${p.protocol}`] ??= null;
  for (const p of r.state.ports) (ports[`${p.containerPort}/${p.protocol}`] ??= []).push({ HostIp: p.hostIP || '0.0.0.0', HostPort: String(p.hostPort) });
  return ports;
}

/** A mount as docker lists it; `source` is its host path when known (inspect). */
function mountJSON(m: DeepReadonly<MountSpec>, source: string | undefined) {
  const propagation = m.type === 'bind' ? (m.options.find((o) => /private|shared|slave/.test(o)) ?? 'rprivate') : '';
  return {
    Type: m.type,
    ...(m.type === 'volume' ? { Name: m.source, Source: source ?? '', Driver: 'local' } : { Source: m.source }),
    Destination: m.target, Mode: m.readOnly ? 'ro' : m.type === 'volume' ? 'z' : '', RW: !m.readOnly, Propagation: propagation,
  };
}

function securityOpt(r: ListedContainer): string[] {
  const c = r.config;
  const s = c.seccomp === 'unconfined' ? ['seccomp=unconfined'] : typeof c.seccomp === 'object' ? [`seccomp=${c.seccomp.path}`] : [];
  return [...s, ...(c.noNewPrivileges ? ['no-new-privileges'] : [])];
}

export function hostConfigJSON(r: ListedContainer) {
  const c = r.config;
  const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const p of c.publish) (bindings[`${p.containerPort}/${p.protocol}`] ??= []).push({ HostIp: p.hostIP, HostPort: p.hostPort ? String(p.hostPort) : '' });
  return {
    Binds: c.mounts.filter((m) => m.type === 'bind' || (m.type === 'volume' && m.source && !m.anonymous)).map((m) => `${m.source}:${m.target}${m.readOnly ? ':ro' : ''}`),
    // json-file: what clients test for before they read logs (docker-py's run does); berth's
    // k8s-file log serves /logs the same way.
    ContainerIDFile: '', LogConfig: { Type: 'json-file', Config: c.logSizeMax ? { 'max-size': String(c.logSizeMax) } : {} },
    NetworkMode: c.networkMode, PortBindings: bindings,
    RestartPolicy: { Name: c.restart.name, MaximumRetryCount: c.restart.maximumRetryCount },
    AutoRemove: c.autoRemove, VolumeDriver: '', VolumesFrom: null, ConsoleSize: c.consoleSize ? [c.consoleSize.height, c.consoleSize.width] : [0, 0],
    CapAdd: c.capAdd, CapDrop: c.capDrop, CgroupnsMode: 'private', Dns: c.dns, DnsOptions: c.dnsOptions, DnsSearch: c.dnsSearch,
    ExtraHosts: c.extraHosts, GroupAdd: null, IpcMode: 'private', Cgroup: '', Links: null, OomScoreAdj: 0, PidMode: '',
    Privileged: c.privileged, PublishAllPorts: false, ReadonlyRootfs: c.readOnly, SecurityOpt: securityOpt(r), UTSMode: '', UsernsMode: '',
    ShmSize: c.shmSize, Runtime: c.runtime, Isolation: '',
    CpuShares: 0, Memory: c.memory ?? 0, NanoCpus: Math.round((c.cpus ?? 0) * 1e9), CgroupParent: '', BlkioWeight: 0,
    BlkioWeightDevice: [], BlkioDeviceReadBps: [], BlkioDeviceWriteBps: [], BlkioDeviceReadIOps: [], BlkioDeviceWriteIOps: [],
    CpuPeriod: 0, CpuQuota: 0, CpuRealtimePeriod: 0, CpuRealtimeRuntime: 0, CpusetCpus: '', CpusetMems: '', Devices: [],
    DeviceCgroupRules: null, DeviceRequests: null, MemoryReservation: 0, MemorySwap: c.memorySwap ?? 0, MemorySwappiness: null,
    OomKillDisable: false, PidsLimit: c.pidsLimit ?? null, Ulimits: [], CpuCount: 0, CpuPercent: 0, IOMaximumIOps: 0, IOMaximumBandwidth: 0,
    Mounts: c.mounts.map((m) => ({ Type: m.type, Source: m.source, Target: m.target, ReadOnly: m.readOnly })),
    Tmpfs: Object.fromEntries(c.mounts.filter((m) => m.type === 'tmpfs').map((m) => [m.target, m.options.join(',')])),
    Init: c.init, MaskedPaths: [], ReadonlyPaths: [],
  };
}

function exposedPorts(r: ListedContainer): Record<string, Record<string, never>> {
  return Object.fromEntries(r.config.publish.map((p) => [`${p.containerPort}/${p.protocol}`, {}]));
}

/** The networks a container is configured for (its mode's network and those connected since),
 * under docker's names (the default network is `bridge`), with the endpoint state when it has
 * one: a created container shows its networks too, as docker's does (compose relies on it). */
function endpointsJSON(r: ListedContainer) {
  const c = r.config;
  // host and none are networks too (docker lists a host-mode container under `host`).
  const configured = [...(c.networkMode.startsWith('container:') ? [] : [c.networkMode]), ...(c.extraNetworks ?? [])];
  const names = new Set([...configured.map(dockerNetwork), ...Object.keys(r.state.networks).map(dockerNetwork)]);
  const short = r.id.slice(0, 12);
  const out: Record<string, ReturnType<typeof endpoint>> = {};
  for (const n of names) {
    const e = r.state.networks[n === 'bridge' ? DEFAULT_NETWORK : n] ?? r.state.networks[n];
    const aliases = e?.aliases ?? (n === dockerNetwork(c.networkMode) ? c.networkAliases : []);
    const predefined = n === 'bridge' || n === 'host' || n === 'none';
    out[n] = endpoint(r, n, e, predefined ? null : [...new Set([...aliases, short])]);
  }
  return out;
}

function endpoint(r: ListedContainer, n: string, e: ListedContainer['state']['networks'][string] | undefined, aliases: string[] | null) {
  return {
    IPAMConfig: null, Links: null, Aliases: aliases, MacAddress: e?.mac ?? '', NetworkID: n, EndpointID: e ? `${r.id.slice(0, 32)}${n}`.slice(0, 64) : '',
    Gateway: e?.gateway ?? '', IPAddress: e?.ip ?? '', IPPrefixLen: e?.ip ? 16 : 0, IPv6Gateway: '', GlobalIPv6Address: '', GlobalIPv6PrefixLen: 0,
    DriverOpts: null, DNSNames: aliases === null ? null : [r.name, r.id.slice(0, 12), ...(e?.aliases ?? [])],
  };
}

const dockerNetwork = (n: string) => (n === 'bridge' || n === DEFAULT_NETWORK ? 'bridge' : n);

/** ContainerJSON: GET /containers/{id}/json. */
export function containerJSON(r: ContainerRecord, paths: ContainerPaths) {
  const c = r.config, s = r.state, dir = paths.dir;
  const argv = [...c.entrypoint, ...c.cmd];
  const first = Object.values(s.networks)[0];
  return {
    Id: r.id, Created: r.created, Path: argv[0] ?? '', Args: argv.slice(1),
    State: {
      Status: dockerState(r), Running: s.status === 'running', Paused: !!s.paused, Restarting: s.status === 'restarting',
      OOMKilled: s.oomKilled, Dead: false, Pid: s.status === 'running' ? s.pid : 0, ExitCode: s.exitCode, Error: s.error,
      StartedAt: s.startedAt || ZERO_TIME, FinishedAt: s.finishedAt || ZERO_TIME,
    },
    Image: c.imageId.startsWith('sha256:') ? c.imageId : `sha256:${c.imageId}`,
    ResolvConfPath: `${dir}/resolv.conf`, HostnamePath: `${dir}/hostname`, HostsPath: `${dir}/hosts`, LogPath: `${dir}/ctr.log`,
    Name: `/${r.name}`, RestartCount: s.restartCount, Driver: 'overlay', Platform: 'linux', MountLabel: '', ProcessLabel: '',
    AppArmorProfile: '', ExecIDs: null, HostConfig: hostConfigJSON(r),
    GraphDriver: { Name: 'overlay', Data: null },
    Mounts: c.mounts.flatMap((m, i) => (m.type === 'tmpfs' ? [] : [mountJSON(m, paths.mountSources[i])])),
    Config: {
      Hostname: c.hostname, Domainname: c.domainname, User: c.user, AttachStdin: c.openStdin, AttachStdout: true, AttachStderr: true,
      ExposedPorts: exposedPorts(r), Tty: c.tty, OpenStdin: c.openStdin, StdinOnce: c.openStdin, Env: c.env, Cmd: c.cmd,
      Image: c.image, Volumes: null, WorkingDir: c.workingDir, Entrypoint: c.entrypoint.length ? c.entrypoint : null, OnBuild: null,
      Labels: c.labels, StopSignal: c.stopSignal, StopTimeout: c.stopTimeout,
    },
    NetworkSettings: {
      Bridge: '', SandboxID: s.netnsPath ? r.id : '', SandboxKey: s.netnsPath, Ports: portMap(r), HairpinMode: false,
      LinkLocalIPv6Address: '', LinkLocalIPv6PrefixLen: 0, SecondaryIPAddresses: null, SecondaryIPv6Addresses: null,
      EndpointID: first ? `${r.id.slice(0, 32)}${Object.keys(s.networks)[0]}`.slice(0, 64) : '', Gateway: first?.gateway ?? '',
      GlobalIPv6Address: '', GlobalIPv6PrefixLen: 0, IPAddress: first?.ip ?? '', IPPrefixLen: first?.ip ? 16 : 0, IPv6Gateway: '',
      MacAddress: first?.mac ?? '', Networks: endpointsJSON(r),
    },
  };
}

/** ContainerSummary: one row of GET /containers/json. */
export function containerSummary(r: ListedContainer, now = Date.now()) {
  const c = r.config;
  const ports = r.state.ports.map((p) => ({ IP: p.hostIP || '0.0.0.0', PrivatePort: p.containerPort, PublicPort: p.hostPort, Type: p.protocol }));
  // A published port the container does not hold (it is not running) shows without host side.
  for (const p of c.publish) if (!r.state.ports.some((q) => q.containerPort === p.containerPort && q.protocol === p.protocol)) ports.push({ PrivatePort: p.containerPort, Type: p.protocol } as (typeof ports)[number]);
  return {
    Id: r.id, Names: [`/${r.name}`], Image: c.image, ImageID: c.imageId.startsWith('sha256:') ? c.imageId : `sha256:${c.imageId}`,
    Command: [...c.entrypoint, ...c.cmd].join(' '), Created: Math.floor(Date.parse(r.created) / 1000), Ports: ports,
    Labels: c.labels, State: dockerState(r), Status: statusText(r, now),
    HostConfig: { NetworkMode: c.networkMode },
    NetworkSettings: { Networks: endpointsJSON(r) },
    Mounts: c.mounts.filter((m) => m.type !== 'tmpfs').map((m) => mountJSON(m, undefined)),
  };
}
