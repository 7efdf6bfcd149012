// docker's ContainerCreate body (Config + HostConfig + NetworkingConfig) as the engine's
// CreateRequest. Types are checked field by field (400 naming the field); settings the engine
// does not apply come back as Warnings, as dockerd warns about what a host cannot do.
import { parseBindSpec, parseTmpfsSpec, type CreateRequest, type MountSpec } from '../engine/index.ts';
import { badRequest } from './errors.ts';
import { body, bool, int, obj, str, strList, strMap, strSlice, type Obj } from './validate.ts';

export interface Translated { req: CreateRequest; warnings: string[] }

type Publish = NonNullable<CreateRequest['publish']>[number];

/** docker's RAMInBytes: "64m", "1g", "512k", "100" (binary multiples). */
export function ramInBytes(s: string, what: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgtp]?)i?b?$/i.exec(s.trim());
  if (!m) throw badRequest(`invalid size for ${what}: '${s}'`);
  const mult = { '': 1, k: 1 << 10, m: 1 << 20, g: 1 << 30, t: 2 ** 40, p: 2 ** 50 }[m[2].toLowerCase() as '' | 'k'];
  return Math.floor(Number(m[1]) * mult);
}

/** "80/tcp" → port and protocol. */
export function parsePortKey(key: string): { port: number; protocol: 'tcp' | 'udp' | 'sctp' } {
  const m = /^(\d{1,5})(?:\/(tcp|udp|sctp))?$/.exec(key);
  if (!m || Number(m[1]) < 1 || Number(m[1]) > 65535) throw badRequest(`invalid port specification: "${key}"`);
  return { port: Number(m[1]), protocol: (m[2] ?? 'tcp') as 'tcp' | 'udp' | 'sctp' };
}

function portBindings(hc: Obj | undefined, exposed: string[], publishAll: boolean): Publish[] {
  const out: Publish[] = [];
  const pb = obj(hc, 'PortBindings', 'HostConfig.PortBindings') ?? {};
  for (const [key, list] of Object.entries(pb)) {
    const { port, protocol } = parsePortKey(key);
    if (list === null) continue;
    if (!Array.isArray(list)) throw badRequest(`json: cannot unmarshal ${typeof list} into Go struct field HostConfig.PortBindings of type []nat.PortBinding`);
    for (const b of list as unknown[]) {
      const o = (b && typeof b === 'object' && !Array.isArray(b) ? b : {}) as Obj;
      const hostIP = str(o, 'HostIp', 'PortBinding.HostIp') ?? '';
      const hp = str(o, 'HostPort', 'PortBinding.HostPort') ?? '';
      if (hp !== '' && (!/^\d{1,5}$/.test(hp) || Number(hp) > 65535)) throw badRequest(`invalid port specification: "${hp}"`);
      out.push({ hostIP, hostPort: hp === '' ? 0 : Number(hp), containerPort: port, protocol: protocol as Publish['protocol'] });
    }
  }
  if (publishAll) {
    for (const key of exposed) {
      const { port, protocol } = parsePortKey(key);
      if (!out.some((p) => p.containerPort === port && p.protocol === protocol)) out.push({ hostIP: '', hostPort: 0, containerPort: port, protocol: protocol as Publish['protocol'] });
    }
  }
  return out;
}

function mountsOf(cfg: Obj, hc: Obj | undefined): MountSpec[] {
  const mounts: MountSpec[] = [];
  for (const b of strList(hc, 'Binds', 'HostConfig.Binds') ?? []) mounts.push(parseBindSpec(b));
  const list = hc?.Mounts;
  if (list !== undefined && list !== null && !Array.isArray(list)) throw badRequest('json: cannot unmarshal object into Go struct field HostConfig.Mounts of type []mount.Mount');
  for (const m of (list ?? []) as unknown[]) {
    if (!m || typeof m !== 'object' || Array.isArray(m)) throw badRequest('json: cannot unmarshal into Go struct field HostConfig.Mounts of type mount.Mount');
    const o = m as Obj;
    const type = str(o, 'Type', 'Mount.Type') ?? '';
    const source = str(o, 'Source', 'Mount.Source') ?? '';
    const target = str(o, 'Target', 'Mount.Target') ?? '';
    const readOnly = bool(o, 'ReadOnly', 'Mount.ReadOnly') ?? false;
    if (!target) throw badRequest('invalid mount config: Target must not be empty');
    if (type === 'bind') {
      if (!source) throw badRequest(`invalid mount config for type "bind": field Source must not be empty`);
      const prop = str(obj(o, 'BindOptions', 'Mount.BindOptions'), 'Propagation', 'Mount.BindOptions.Propagation');
      mounts.push({ type: 'bind', source, target, readOnly, options: prop ? [prop] : [] });
    } else if (type === 'volume') {
      mounts.push({ type: 'volume', source, target, readOnly, options: [], ...(source ? {} : { anonymous: true }) });
    } else if (type === 'tmpfs') {
      if (source) throw badRequest(`invalid mount config for type "tmpfs": field Source must be empty`);
      const t = obj(o, 'TmpfsOptions', 'Mount.TmpfsOptions');
      const size = int(t, 'SizeBytes', 'Mount.TmpfsOptions.SizeBytes');
      const mode = int(t, 'Mode', 'Mount.TmpfsOptions.Mode');
      mounts.push({ type: 'tmpfs', source: '', target, readOnly, options: [...(size ? [`size=${size}`] : []), ...(mode ? [`mode=${mode.toString(8)}`] : [])] });
    } else {
      throw badRequest(`invalid mount config: mount type unknown: ${JSON.stringify(type)}`);
    }
  }
  for (const [target, opts] of Object.entries(strMap(hc, 'Tmpfs', 'HostConfig.Tmpfs') ?? {})) mounts.push(parseTmpfsSpec(opts ? `${target}:${opts}` : target));
  // Config.Volumes: the image-style anonymous volumes, unless something is mounted there already.
  for (const target of Object.keys(obj(cfg, 'Volumes', 'Config.Volumes') ?? {})) {
    if (!mounts.some((m) => m.target === target)) mounts.push(parseBindSpec(target));
  }
  return mounts;
}

/** Settings a client may send that berth does not apply: a warning each when set. */
function unsupported(hc: Obj | undefined): string[] {
  const w: string[] = [];
  const set = (k: string) => {
    const v = hc?.[k];
    return v !== undefined && v !== null && v !== '' && v !== 0 && v !== false && !(Array.isArray(v) && v.length === 0) && !(typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0);
  };
  for (const k of ['Devices', 'Ulimits', 'CpuShares', 'CpusetCpus', 'CpusetMems', 'BlkioWeight', 'OomKillDisable', 'Sysctls', 'GroupAdd', 'Links', 'VolumesFrom', 'PidMode', 'UsernsMode', 'DeviceRequests', 'KernelMemory', 'MemoryReservation', 'OomScoreAdj']) {
    if (set(k)) w.push(`HostConfig.${k} is not supported by berth and was ignored`);
  }
  const ipc = hc?.IpcMode;
  if (typeof ipc === 'string' && ipc && ipc !== 'private' && ipc !== 'shareable') w.push(`HostConfig.IpcMode ${ipc} is not supported by berth and was ignored`);
  return w;
}

/** ContainerCreate's body (and the `name` query parameter) → CreateRequest. */
export function toCreateRequest(raw: unknown, name: string | undefined): Translated {
  const cfg = body(raw, 'ContainerConfigWrapper');
  const hc = obj(cfg, 'HostConfig', 'HostConfig');
  const nc = obj(cfg, 'NetworkingConfig', 'NetworkingConfig');
  const image = str(cfg, 'Image', 'Config.Image');
  if (!image) throw badRequest('config cannot be empty in order to create a container: no Image');
  const warnings = unsupported(hc);
  const exposed = Object.keys(obj(cfg, 'ExposedPorts', 'Config.ExposedPorts') ?? {});
  for (const e of exposed) parsePortKey(e);

  const req: CreateRequest = {
    image,
    // The API never pulls on create: a missing image is a 404, on which clients pull.
    pull: 'never',
    env: strList(cfg, 'Env', 'Config.Env') ?? [],
    labels: strMap(cfg, 'Labels', 'Config.Labels') ?? {},
    tty: bool(cfg, 'Tty', 'Config.Tty') ?? false,
    openStdin: bool(cfg, 'OpenStdin', 'Config.OpenStdin') ?? false,
    mounts: mountsOf(cfg, hc),
    publish: portBindings(hc, exposed, bool(hc, 'PublishAllPorts', 'HostConfig.PublishAllPorts') ?? false),
    extraHosts: strList(hc, 'ExtraHosts', 'HostConfig.ExtraHosts') ?? [],
    dns: strList(hc, 'Dns', 'HostConfig.Dns') ?? [],
    dnsSearch: strList(hc, 'DnsSearch', 'HostConfig.DnsSearch') ?? [],
    dnsOptions: strList(hc, 'DnsOptions', 'HostConfig.DnsOptions') ?? [],
    readOnly: bool(hc, 'ReadonlyRootfs', 'HostConfig.ReadonlyRootfs') ?? false,
    capAdd: strList(hc, 'CapAdd', 'HostConfig.CapAdd') ?? [],
    capDrop: strList(hc, 'CapDrop', 'HostConfig.CapDrop') ?? [],
    privileged: bool(hc, 'Privileged', 'HostConfig.Privileged') ?? false,
    autoRemove: bool(hc, 'AutoRemove', 'HostConfig.AutoRemove') ?? false,
    init: bool(hc, 'Init', 'HostConfig.Init') ?? false,
  };
  const set = <K extends keyof CreateRequest>(k: K, v: CreateRequest[K] | undefined) => { if (v !== undefined) req[k] = v; };
  if (name) set('name', name.replace(/^\//, ''));
  set('cmd', strSlice(cfg, 'Cmd', 'Config.Cmd'));
  set('entrypoint', strSlice(cfg, 'Entrypoint', 'Config.Entrypoint'));
  // An empty string for "" entrypoint arrives as [""]: no entrypoint at all.
  if (req.entrypoint?.length === 1 && req.entrypoint[0] === '') req.entrypoint = [];
  set('workingDir', str(cfg, 'WorkingDir', 'Config.WorkingDir') || undefined);
  set('user', str(cfg, 'User', 'Config.User') || undefined);
  set('hostname', str(cfg, 'Hostname', 'Config.Hostname') || undefined);
  set('domainname', str(cfg, 'Domainname', 'Config.Domainname') || undefined);
  set('stopSignal', str(cfg, 'StopSignal', 'Config.StopSignal') || undefined);
  set('stopTimeout', int(cfg, 'StopTimeout', 'Config.StopTimeout'));

  // Resources: 0 (and -1 for swap and pids) mean "not set".
  const memory = int(hc, 'Memory', 'HostConfig.Memory');
  if (memory && memory > 0) req.memory = memory;
  const swap = int(hc, 'MemorySwap', 'HostConfig.MemorySwap');
  if (swap && swap > 0) req.memorySwap = swap;
  const nano = int(hc, 'NanoCpus', 'HostConfig.NanoCpus');
  const quota = int(hc, 'CpuQuota', 'HostConfig.CpuQuota');
  const period = int(hc, 'CpuPeriod', 'HostConfig.CpuPeriod');
  if (nano && quota) throw badRequest('Conflicting options: Nano CPUs and CPU Period cannot both be set');
  if (nano && nano > 0) req.cpus = nano / 1e9;
  else if (quota && quota > 0) req.cpus = quota / (period && period > 0 ? period : 100_000);
  const pids = int(hc, 'PidsLimit', 'HostConfig.PidsLimit');
  if (pids && pids > 0) req.pidsLimit = pids;
  const shm = int(hc, 'ShmSize', 'HostConfig.ShmSize');
  if (shm && shm > 0) req.shmSize = shm;

  const rp = obj(hc, 'RestartPolicy', 'HostConfig.RestartPolicy');
  const rpName = str(rp, 'Name', 'HostConfig.RestartPolicy.Name') ?? '';
  const retries = int(rp, 'MaximumRetryCount', 'HostConfig.RestartPolicy.MaximumRetryCount') ?? 0;
  if (rpName && !['no', 'always', 'on-failure', 'unless-stopped'].includes(rpName)) throw badRequest(`invalid restart policy: unknown policy '${rpName}'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'`);
  if (retries && rpName !== 'on-failure') throw badRequest(`invalid restart policy: maximum retry count can only be used with 'on-failure'`);
  if (retries < 0) throw badRequest('invalid restart policy: maximum retry count cannot be negative');
  if (rpName && rpName !== 'no') {
    if (req.autoRemove) throw badRequest(`conflicting options: cannot specify both --restart and --rm`);
    req.restart = { name: rpName as 'always', maximumRetryCount: retries };
  }

  for (const o of strList(hc, 'SecurityOpt', 'HostConfig.SecurityOpt') ?? []) {
    const i = o.search(/[=:]/);
    const k = i < 0 ? o : o.slice(0, i), v = i < 0 ? undefined : o.slice(i + 1);
    if (k === 'seccomp') {
      if (v === 'unconfined' || v === 'default') req.seccomp = v;
      else if (v?.trimStart().startsWith('{')) throw badRequest('seccomp: an inline profile is not supported by berth yet (use unconfined or the default)');
      else if (v) req.seccomp = v;
      else throw badRequest(`invalid --security-opt: ${JSON.stringify(o)}`);
    } else if (k === 'no-new-privileges') {
      req.noNewPrivileges = v === undefined || v === 'true';
    } else if (k === 'apparmor' || k === 'label') {
      warnings.push(`SecurityOpt ${o}: no AppArmor/SELinux on this host; ignored`);
    } else {
      throw badRequest(`invalid --security-opt: ${JSON.stringify(o)}`);
    }
  }

  const log = obj(hc, 'LogConfig', 'HostConfig.LogConfig');
  const logType = str(log, 'Type', 'HostConfig.LogConfig.Type') ?? '';
  if (logType && !['json-file', 'k8s-file', 'local', 'journald'].includes(logType)) warnings.push(`log driver ${logType} is not supported: the container logs to berth's k8s-file log`);
  const maxSize = strMap(log, 'Config', 'HostConfig.LogConfig.Config')?.['max-size'];
  if (maxSize) req.logSizeMax = ramInBytes(maxSize, 'max-size');

  const runtime = str(hc, 'Runtime', 'HostConfig.Runtime');
  if (runtime && runtime !== 'runc' && runtime !== 'berth-runtime') req.runtime = runtime;

  let mode = str(hc, 'NetworkMode', 'HostConfig.NetworkMode') ?? '';
  const defaulted = mode === '' || mode === 'default';
  if (defaulted) mode = 'bridge';
  req.networkMode = mode;
  const endpoints = obj(nc, 'EndpointsConfig', 'NetworkingConfig.EndpointsConfig') ?? {};
  const aliases: string[] = [];
  for (const [net, ep] of Object.entries(endpoints)) {
    if (ep !== null && (typeof ep !== 'object' || Array.isArray(ep))) throw badRequest(`json: cannot unmarshal into Go struct field NetworkingConfig.EndpointsConfig of type network.EndpointSettings`);
    const a = strList(ep as Obj | undefined, 'Aliases', `NetworkingConfig.EndpointsConfig.${net}.Aliases`) ?? [];
    if (net === mode || (defaulted && (net === 'default' || net === 'bridge'))) aliases.push(...a);
    else if (Object.keys(endpoints).length === 1 && defaulted) {
      // A client that names its network only here (no NetworkMode): it is the container's.
      req.networkMode = net;
      aliases.push(...a);
    }
  }
  req.networkAliases = aliases;

  const cs = hc?.ConsoleSize;
  if (Array.isArray(cs) && cs.length === 2 && cs.every((n) => typeof n === 'number') && cs[0] > 0 && cs[1] > 0) req.consoleSize = { height: cs[0], width: cs[1] };
  else if (cs !== undefined && cs !== null && !Array.isArray(cs)) throw badRequest('json: cannot unmarshal into Go struct field HostConfig.ConsoleSize of type [2]uint');
  return { req, warnings };
}
