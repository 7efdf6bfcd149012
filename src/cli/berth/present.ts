// How containers look to the user: docker's ps columns, port strings and `inspect` documents
// (sizes, ages, templates and tables are src/cli/present's).
import type { ContainerInspect, ListedContainer, PortMapping } from '../../engine/index.ts';
import { humanDuration, humanSize, timeAgo } from '../present/index.ts';

export function statusText(r: ListedContainer, now = Date.now()): string {
  const st = r.state;
  if (st.status === 'running') return `Up ${humanDuration(now - Date.parse(st.startedAt))}${st.paused ? ' (Paused)' : ''}`;
  if (st.status === 'exited') return `Exited (${st.exitCode}) ${humanDuration(now - Date.parse(st.finishedAt || r.created))} ago`;
  if (st.status === 'removing') return 'Removal In Progress';
  if (st.status === 'restarting') return `Restarting (${st.exitCode}) ${humanDuration(now - Date.parse(st.finishedAt || r.created))} ago`;
  return 'Created';
}

export function portsText(ports: PortMapping[]): string {
  return ports.map((p) => `${p.hostIP || '0.0.0.0'}:${p.hostPort}->${p.containerPort}/${p.protocol}`).join(', ');
}

export function commandText(r: ListedContainer): string {
  return [...r.config.entrypoint, ...r.config.cmd].join(' ');
}

export function familiarImage(r: ListedContainer): string {
  return r.config.image;
}

/** docker ps's default table and column headers. */
export const PS_TABLE = '{{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}';
export const PS_HEADERS: Record<string, string> = {
  ID: 'CONTAINER ID', Image: 'IMAGE', Command: 'COMMAND', CreatedAt: 'CREATED AT', RunningFor: 'CREATED', Ports: 'PORTS', State: 'STATE',
  Status: 'STATUS', Names: 'NAMES', Labels: 'LABELS', Mounts: 'MOUNTS', Networks: 'NETWORKS', Size: 'SIZE', LocalVolumes: 'LOCAL VOLUMES',
};

/** docker's COMMAND column: cut to 20 characters (with an ellipsis), then quoted. */
export function shortCommand(r: ListedContainer): string {
  const s = commandText(r);
  return JSON.stringify(s.length <= 20 ? s : `${s.slice(0, 19)}…`);
}

/** docker ps's SIZE: the writable layer's, and the whole root filesystem's as "virtual". */
export function sizeText(rw: number, rootFs: number): string {
  return rootFs > 0 ? `${humanSize(rw)} (virtual ${humanSize(rootFs)})` : humanSize(rw);
}

export function psRow(r: ListedContainer): Record<string, string> {
  return {
    ID: r.id.slice(0, 12), Image: familiarImage(r), Command: JSON.stringify(commandText(r)), CreatedAt: r.created,
    RunningFor: timeAgo(r.created), Ports: portsText(r.state.ports), State: r.state.status,
    Status: statusText(r), Names: r.name, Labels: Object.entries(r.config.labels).map(([k, v]) => `${k}=${v}`).join(','),
    Mounts: r.config.mounts.map((m) => m.type === 'volume' ? m.source.slice(0, 15) : m.source).join(','),
    Networks: Object.keys(r.state.networks).join(','), Size: '0B', LocalVolumes: String(r.config.mounts.filter((m) => m.type === 'volume').length),
    Pod: r.config.pod?.podId.slice(0, 12) ?? '', PodName: r.config.pod?.podName ?? '',
  };
}

/** docker inspect's document, with the fields a user and tests look for. */
export function inspectDoc(r: ContainerInspect): Record<string, unknown> {
  const c = r.config, s = r.state, dir = r.bundleDir;
  const ports: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const p of s.ports) (ports[`${p.containerPort}/${p.protocol}`] ??= []).push({ HostIp: p.hostIP || '0.0.0.0', HostPort: String(p.hostPort) });
  return {
    Id: r.id, Created: r.created, Path: [...c.entrypoint, ...c.cmd][0] ?? '', Args: [...c.entrypoint, ...c.cmd].slice(1),
    State: {
      Status: s.status === 'running' && s.paused ? 'paused' : s.status, Running: s.status === 'running', Paused: !!s.paused, Restarting: false, OOMKilled: s.oomKilled, Dead: false,
      Pid: s.pid, ExitCode: s.exitCode, Error: s.error, StartedAt: s.startedAt || '0001-01-01T00:00:00Z', FinishedAt: s.finishedAt || '0001-01-01T00:00:00Z',
    },
    Image: c.imageId, ResolvConfPath: `${dir}/resolv.conf`, HostnamePath: `${dir}/hostname`, HostsPath: `${dir}/hosts`, LogPath: r.logPath,
    Name: `/${r.name}`, RestartCount: s.restartCount, Driver: 'overlay', Platform: 'linux',
    HostConfig: {
      NetworkMode: c.networkMode, PortBindings: Object.fromEntries(c.publish.map((p) => [`${p.containerPort}/${p.protocol}`, [{ HostIp: p.hostIP, HostPort: p.hostPort ? String(p.hostPort) : '' }]])),
      RestartPolicy: { Name: c.restart.name, MaximumRetryCount: c.restart.maximumRetryCount }, AutoRemove: c.autoRemove,
      CapAdd: c.capAdd, CapDrop: c.capDrop, Dns: c.dns, DnsSearch: c.dnsSearch, DnsOptions: c.dnsOptions, ExtraHosts: c.extraHosts,
      Privileged: c.privileged, ReadonlyRootfs: c.readOnly, SecurityOpt: [...(c.seccomp === 'unconfined' ? ['seccomp=unconfined'] : typeof c.seccomp === 'object' ? [`seccomp=${c.seccomp.path}`] : []), ...(c.noNewPrivileges ? ['no-new-privileges'] : [])],
      ShmSize: c.shmSize, Runtime: c.runtime, Memory: c.memory ?? 0, MemorySwap: c.memorySwap ?? 0, NanoCpus: Math.round((c.cpus ?? 0) * 1e9), PidsLimit: c.pidsLimit ?? null,
      Init: c.init, Binds: c.mounts.filter((m) => m.type !== 'tmpfs').map((m) => `${m.source}:${m.target}${m.readOnly ? ':ro' : ''}`),
      Tmpfs: Object.fromEntries(c.mounts.filter((m) => m.type === 'tmpfs').map((m) => [m.target, m.options.join(',')])),
    },
    Mounts: c.mounts.map((m, i) => ({
      Type: m.type, ...(m.type === 'volume' ? { Name: m.source, Source: r.mountSources[i], Driver: 'local' } : { Source: m.source }),
      Destination: m.target, Mode: m.readOnly ? 'ro' : '', RW: !m.readOnly, Propagation: m.type === 'bind' ? (m.options.find((o) => /private|shared|slave/.test(o)) ?? 'rprivate') : '',
    })),
    Config: {
      Hostname: c.hostname, Domainname: c.domainname, User: c.user, Tty: c.tty, OpenStdin: c.openStdin, Env: c.env, Cmd: c.cmd,
      Image: c.image, WorkingDir: c.workingDir, Entrypoint: c.entrypoint.length ? c.entrypoint : null, Labels: c.labels,
      StopSignal: c.stopSignal, StopTimeout: c.stopTimeout,
    },
    NetworkSettings: {
      Ports: ports, SandboxKey: s.netnsPath,
      IPAddress: Object.values(s.networks)[0]?.ip ?? '', Gateway: Object.values(s.networks)[0]?.gateway ?? '', MacAddress: Object.values(s.networks)[0]?.mac ?? '',
      Networks: Object.fromEntries(Object.entries(s.networks).map(([n, e]) => [n, { IPAddress: e.ip, Gateway: e.gateway, MacAddress: e.mac, Aliases: e.aliases }])),
    },
  };
}
