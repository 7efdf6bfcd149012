// The flags `run` and `create` share, and their translation into an engine CreateRequest.
import { readFileSync } from 'node:fs';
import { parsePublish } from '../../engine/index.ts';
import type { CreateRequest, MountSpec, RestartPolicy } from '../../engine/index.ts';
import { MountSpecError, parseBindSpec, parseTmpfsSpec } from '../../engine/index.ts';
import { bool, FlagError, list, parseBytes, str, type FlagDef, type Parsed } from './flags.ts';

export const CREATE_FLAGS: FlagDef[] = [
  { name: 'interactive', short: 'i', kind: 'bool', help: 'Keep STDIN open even if not attached' },
  { name: 'tty', short: 't', kind: 'bool', help: 'Allocate a pseudo-TTY' },
  { name: 'rm', kind: 'bool', help: 'Automatically remove the container when it exits' },
  { name: 'name', kind: 'string', help: 'Assign a name to the container' },
  { name: 'env', short: 'e', kind: 'list', help: 'Set environment variables' },
  { name: 'env-file', kind: 'list', help: 'Read in a file of environment variables' },
  { name: 'workdir', short: 'w', kind: 'string', help: 'Working directory inside the container' },
  { name: 'user', short: 'u', kind: 'string', help: 'Username or UID (format: <name|uid>[:<group|gid>])' },
  { name: 'entrypoint', kind: 'string', help: 'Overwrite the default ENTRYPOINT of the image' },
  { name: 'volume', short: 'v', kind: 'list', help: 'Bind mount a volume' },
  { name: 'mount', kind: 'list', help: 'Attach a filesystem mount to the container' },
  { name: 'tmpfs', kind: 'list', help: 'Mount a tmpfs directory' },
  { name: 'publish', short: 'p', kind: 'list', help: "Publish a container's port(s) to the host" },
  { name: 'network', kind: 'string', help: 'Connect a container to a network (none, host, bridge, NAME)' },
  { name: 'net', kind: 'string' },
  { name: 'pod', kind: 'string', help: "Run the container in an existing pod (it joins the pod's namespaces)" },
  { name: 'network-alias', kind: 'list', help: 'Add network-scoped alias for the container' },
  { name: 'hostname', short: 'h', kind: 'string', help: 'Container host name' },
  { name: 'domainname', kind: 'string', help: 'Container NIS domain name' },
  { name: 'add-host', kind: 'list', help: 'Add a custom host-to-IP mapping (host:ip)' },
  { name: 'dns', kind: 'list', help: 'Set custom DNS servers' },
  { name: 'dns-search', kind: 'list', help: 'Set custom DNS search domains' },
  { name: 'dns-option', kind: 'list', help: 'Set DNS options' },
  { name: 'label', short: 'l', kind: 'list', help: 'Set meta data on a container' },
  { name: 'memory', short: 'm', kind: 'string', help: 'Memory limit' },
  { name: 'memory-swap', kind: 'string', help: "Swap limit equal to memory plus swap: '-1' to enable unlimited swap" },
  { name: 'cpus', kind: 'string', help: 'Number of CPUs' },
  { name: 'pids-limit', kind: 'string', help: 'Tune container pids limit (set -1 for unlimited)' },
  { name: 'shm-size', kind: 'string', help: 'Size of /dev/shm' },
  { name: 'read-only', kind: 'bool', help: "Mount the container's root filesystem as read only" },
  { name: 'cap-add', kind: 'list', help: 'Add Linux capabilities' },
  { name: 'cap-drop', kind: 'list', help: 'Drop Linux capabilities' },
  { name: 'privileged', kind: 'bool', help: 'Give extended privileges to this container' },
  { name: 'security-opt', kind: 'list', help: 'Security Options (seccomp=unconfined|FILE, no-new-privileges)' },
  { name: 'restart', kind: 'string', help: 'Restart policy to apply when a container exits (no, always, on-failure[:N], unless-stopped)' },
  { name: 'init', kind: 'bool', help: 'Run an init inside the container that forwards signals and reaps processes' },
  { name: 'stop-signal', kind: 'string', help: 'Signal to stop the container' },
  { name: 'stop-timeout', kind: 'string', help: 'Timeout (in seconds) to stop a container' },
  { name: 'runtime', kind: 'string', help: 'Runtime to use for this container (berth-runtime, runc, crun or a path)' },
  { name: 'pull', kind: 'string', help: 'Pull image before running ("always", "missing", "never")' },
  { name: 'platform', kind: 'string', help: 'Set platform if server is multi-platform capable' },
  { name: 'log-opt', kind: 'list', help: 'Log driver options (max-size=SIZE)' },
  { name: 'detach', short: 'd', kind: 'bool', help: 'Run container in background and print container ID' },
  { name: 'detach-keys', kind: 'string', help: 'Override the key sequence for detaching a container (default ctrl-p,ctrl-q)' },
  { name: 'attach', short: 'a', kind: 'list', help: 'Attach to STDIN, STDOUT or STDERR' },
];

function splitKV(s: string): [string, string | undefined] {
  const i = s.indexOf('=');
  return i < 0 ? [s, undefined] : [s.slice(0, i), s.slice(i + 1)];
}

/** -e KEY=VAL, or KEY alone: taken from our environment when set (else dropped, as docker). */
export function envList(p: Parsed): string[] {
  const out: string[] = [];
  const add = (e: string) => {
    const [k, v] = splitKV(e);
    if (!k) throw new FlagError(`invalid environment variable: ${e}`);
    if (v !== undefined) out.push(e);
    else if (process.env[k] !== undefined) out.push(`${k}=${process.env[k]}`);
  };
  for (const f of list(p, 'env-file')) {
    let text: string;
    try { text = readFileSync(f, 'utf8'); } catch (e) { throw new FlagError(`open ${f}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (e as Error).message}`); }
    for (const line of text.split('\n')) {
      const t = line.replace(/^\s+/, '');
      if (t && !t.startsWith('#')) add(t.replace(/\r$/, ''));
    }
  }
  for (const e of list(p, 'env')) add(e);
  return out;
}

const PROPAGATION = ['private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave'];

/** -v SRC:DST[:OPTS] | DST: docker's bind syntax, shared with the Docker API's HostConfig.Binds. */
export const parseVolumeFlag = parseBindSpec;

/** --mount type=bind|volume|tmpfs,source=…,target=…,readonly,tmpfs-size=…,tmpfs-mode=… */
export function parseMountFlag(spec: string): MountSpec {
  let type = 'volume', source = '', target = '', ro = false;
  const options: string[] = [];
  for (const field of spec.split(',')) {
    const [k, v] = splitKV(field.trim());
    switch (k) {
      case 'type': type = v ?? ''; break;
      case 'source': case 'src': source = v ?? ''; break;
      case 'target': case 'destination': case 'dst': target = v ?? ''; break;
      case 'readonly': case 'ro': ro = v === undefined || v === 'true' || v === '1'; break;
      case 'bind-propagation': if (!PROPAGATION.includes(v ?? '')) throw new MountSpecError(spec, `invalid propagation ${v}`); options.push(v!); break;
      case 'tmpfs-size': options.push(`size=${parseBytes(v ?? '', 'tmpfs-size')}`); break;
      case 'tmpfs-mode': options.push(`mode=${v}`); break;
      case 'volume-nocopy': case 'consistency': break;
      default: throw new MountSpecError(spec, `unexpected key '${k}' in '${field}'`);
    }
  }
  if (!target) throw new MountSpecError(spec, 'target is required');
  if (type === 'bind') {
    if (!source) throw new MountSpecError(spec, 'source is required when specifying bind mount');
    return { type: 'bind', source, target, readOnly: ro, options };
  }
  if (type === 'volume') return { type: 'volume', source, target, readOnly: ro, options: [], ...(source ? {} : { anonymous: true }) };
  if (type === 'tmpfs') {
    if (source) throw new MountSpecError(spec, 'source is not supported for tmpfs mounts');
    return { type: 'tmpfs', source: '', target, readOnly: ro, options };
  }
  throw new MountSpecError(spec, `invalid mount type "${type}"`);
}

/** --tmpfs /path[:opts] */
export const parseTmpfsFlag = parseTmpfsSpec;

export function parseRestart(s: string): RestartPolicy {
  const [name, n] = s.split(':');
  if (name === 'no' || name === 'always' || name === 'unless-stopped') {
    if (n !== undefined) throw new FlagError(`invalid restart policy '${s}': maximum retry count cannot be used with restart policy '${name}'`);
    return { name, maximumRetryCount: 0 };
  }
  if (name === 'on-failure') {
    const count = n === undefined ? 0 : Number(n);
    if (!Number.isInteger(count) || count < 0) throw new FlagError(`invalid restart policy '${s}': maximum retry count must be a non-negative integer`);
    return { name, maximumRetryCount: count };
  }
  throw new FlagError(`invalid restart policy '${s}'`);
}

function intFlag(p: Parsed, n: string): number | undefined {
  const v = str(p, n);
  if (v === undefined) return undefined;
  if (!/^-?\d+$/.test(v)) throw new FlagError(`invalid argument "${v}" for "--${n}" flag: expected an integer`);
  return Number(v);
}

/** Turns parsed run/create flags (+ IMAGE [COMMAND...]) into a CreateRequest. */
export function toCreateRequest(p: Parsed, consoleSize?: { height: number; width: number }): CreateRequest {
  const [image, ...cmd] = p.args;
  if (!image) throw new FlagError('requires at least 1 argument');
  const mounts = [...list(p, 'volume').map(parseVolumeFlag), ...list(p, 'mount').map(parseMountFlag), ...list(p, 'tmpfs').map(parseTmpfsFlag)];
  const publish = list(p, 'publish').flatMap((s) => parsePublish(s));
  const labels: Record<string, string> = {};
  for (const l of list(p, 'label')) { const [k, v] = splitKV(l); labels[k] = v ?? ''; }
  let seccomp: string | undefined, nnp = false;
  for (const o of list(p, 'security-opt')) {
    const [k, v] = o.includes('=') ? splitKV(o) : o.split(':') as [string, string | undefined];
    if (k === 'seccomp') { if (!v) throw new FlagError(`invalid --security-opt: ${o}`); seccomp = v; }
    else if (k === 'no-new-privileges') nnp = v === undefined || v === 'true';
    else if (k === 'apparmor' || k === 'label') { /* no AppArmor/SELinux on this host: accepted, nothing to apply */ }
    else throw new FlagError(`invalid --security-opt: ${o}`);
  }
  const pull = str(p, 'pull');
  if (pull !== undefined && !['always', 'missing', 'never'].includes(pull)) throw new FlagError(`invalid pull option: '${pull}': must be one of "always", "missing" or "never"`);
  let logSizeMax: number | undefined;
  for (const o of list(p, 'log-opt')) {
    const [k, v] = splitKV(o);
    if (k === 'max-size' && v) logSizeMax = parseBytes(v, '--log-opt max-size');
    else if (k !== 'max-file') throw new FlagError(`unknown log opt '${k}' for k8s-file log driver`);
  }
  const cpus = str(p, 'cpus');
  if (cpus !== undefined && !(Number(cpus) > 0)) throw new FlagError(`invalid argument "${cpus}" for "--cpus" flag`);
  const pids = intFlag(p, 'pids-limit');
  const memSwap = str(p, 'memory-swap');
  const ep = str(p, 'entrypoint');
  const req: CreateRequest = {
    image, cmd, env: envList(p), mounts, publish, labels,
    tty: bool(p, 'tty'), openStdin: bool(p, 'interactive'), autoRemove: bool(p, 'rm'),
    networkMode: str(p, 'network') ?? str(p, 'net') ?? 'bridge', networkAliases: list(p, 'network-alias'),
    extraHosts: list(p, 'add-host').map((h) => { if (!/^[^:]+:.+$/.test(h)) throw new FlagError(`invalid argument "${h}" for "--add-host" flag: bad format for add-host`); return h; }),
    dns: list(p, 'dns'), dnsSearch: list(p, 'dns-search'), dnsOptions: list(p, 'dns-option'),
    readOnly: bool(p, 'read-only'), capAdd: list(p, 'cap-add'), capDrop: list(p, 'cap-drop'), privileged: bool(p, 'privileged'),
    noNewPrivileges: nnp, init: bool(p, 'init'),
  };
  const set = <K extends keyof CreateRequest>(k: K, v: CreateRequest[K] | undefined) => { if (v !== undefined) req[k] = v; };
  set('name', str(p, 'name'));
  set('pod', str(p, 'pod'));
  set('workingDir', str(p, 'workdir'));
  set('user', str(p, 'user'));
  set('hostname', str(p, 'hostname'));
  set('domainname', str(p, 'domainname'));
  set('entrypoint', ep === undefined ? undefined : ep === '' ? [] : [ep]);
  set('memory', str(p, 'memory') !== undefined ? parseBytes(str(p, 'memory')!, '--memory') : undefined);
  set('memorySwap', memSwap !== undefined && memSwap !== '-1' ? parseBytes(memSwap, '--memory-swap') : undefined);
  set('cpus', cpus !== undefined ? Number(cpus) : undefined);
  set('pidsLimit', pids !== undefined && pids > 0 ? pids : undefined);
  set('shmSize', str(p, 'shm-size') !== undefined ? parseBytes(str(p, 'shm-size')!, '--shm-size') : undefined);
  set('seccomp', seccomp);
  set('restart', str(p, 'restart') !== undefined ? parseRestart(str(p, 'restart')!) : undefined);
  set('stopSignal', str(p, 'stop-signal'));
  set('stopTimeout', intFlag(p, 'stop-timeout'));
  set('runtime', str(p, 'runtime'));
  set('pull', pull as CreateRequest['pull']);
  set('platform', str(p, 'platform'));
  set('logSizeMax', logSizeMax);
  if (req.tty && consoleSize) req.consoleSize = consoleSize;
  if (req.autoRemove && req.restart && req.restart.name !== 'no') throw new FlagError('Conflicting options: --restart and --rm');
  return req;
}
