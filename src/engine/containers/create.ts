// Creating a container: check the request, resolve the image (pulling it if asked), write the
// record, mount its rootfs (an overlay snapshot over the image's layers) and its volumes.
import { cpSync, mkdirSync, readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseSignal } from '../../runtime/signals.ts';
import { randomBytes } from '../../util/random.ts';
import { trace } from '../../util/trace.ts';
import { limitsRefusal } from '../cgroup-parent.ts';
import { INIT_CANDIDATES, type EngineCore } from '../core.ts';
import { EngineError, InvalidNameError, MountSpecError, NameConflictError } from '../errors.ts';
import { recordEvent } from '../events.ts';
import { resolveImage } from '../images.ts';
import { netOpts } from '../netglue.ts';
import type { CreateOptions, CreateRequest } from '../requests.ts';
import { PASTA_BIN, SLIRP_BIN, type PublishRequest } from '../../network/index.ts';
import { mountRootfs } from '../rootfs.ts';
import { findRuntime } from '../runtime.ts';
import { effectiveCaps } from '../spec.ts';
import { initialState, type ContainerConfig, type ContainerRecord, type MountSpec } from '../types.ts';
import { VOLUME_NAME_RE } from '../volumes.ts';
import { destroy } from './teardown.ts';
import { generateName, insertNamed } from '../names.ts';
import { mergeEnv } from '../../oci/env.ts';
import { findPod } from '../pods/join.ts';
import { precreate } from './precreate.ts';

export const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export async function create(core: EngineCore, req: CreateRequest, opts: CreateOptions = {}): Promise<ContainerRecord> {
  const id = randomBytes(32).toString('hex');
  const name = req.name ?? generateName((n) => core.store.byName(n) !== null, id);
  if (!NAME_RE.test(name)) throw new InvalidNameError(name);
  const holder = core.store.byName(name);
  if (holder) throw new NameConflictError(name, holder.id);
  const runtime = findRuntime(req.runtime ?? core.opts.runtime ?? 'berth-runtime');
  for (const m of req.mounts ?? []) validateMount(m);
  effectiveCaps(req.capAdd ?? [], req.capDrop ?? [], req.privileged ?? false);
  let seccomp: ContainerConfig['seccomp'] = 'default';
  if (req.seccomp === 'unconfined') seccomp = 'unconfined';
  else if (req.seccomp && req.seccomp !== 'default') {
    try { seccomp = { path: req.seccomp, profile: JSON.parse(readFileSync(req.seccomp, 'utf8')) }; } catch (e) {
      throw new EngineError(`opening seccomp profile (${req.seccomp}) failed: ${(e as Error).message}`);
    }
  }
  if (req.init && !core.initBinary()) {
    throw new EngineError(`--init: no init binary on this host (looked for ${[core.opts.initBinary ?? 'berth-tiny-init', ...INIT_CANDIDATES].join(', ')}); run without --init`);
  }
  if (req.memory || req.memorySwap || req.cpus || req.pidsLimit) {
    const refusal = limitsRefusal(core.paths.cgroupParent);
    if (refusal) throw new EngineError(refusal);
  }
  const pod = req.pod ? findPod(core.paths, req.pod) : undefined;
  const netMode = pod ? 'pod' : req.networkMode ?? 'bridge';
  if (netMode === 'pod' && !pod) throw new EngineError('network mode "pod" is only for containers created in a pod');
  if (core.rootless() && netMode !== 'none' && netMode !== 'host' && netMode !== 'pod') checkRootlessNetwork(netMode, req.publish ?? []);
  if (netMode === 'pasta' && !core.rootless()) throw new EngineError('--network pasta is for rootless berth (docs/rootless.md); as root, containers use bridge networks');
  if (netMode !== 'pod' && netMode !== 'bridge' && netMode !== 'none' && netMode !== 'host' && netMode !== 'pasta') {
    const { inspectNetwork } = await import('../../network/index.ts');
    await inspectNetwork(netMode, netOpts(core)).catch(() => { throw new EngineError(`network ${netMode} not found`); });
  }
  // docker ignores -p with --network host (with a warning) and has nothing to map for none.
  const publish = netMode === 'none' || netMode === 'host' || netMode === 'pod' ? [] : req.publish ?? [];
  trace('create: checked');
  const img = await resolveImage(core.images(), req.image, req.pull ?? 'missing', req.platform);
  trace('create: image resolved');
  const ic = img.config.config ?? {};
  const userMounts = [...(req.mounts ?? [])];
  for (const target of Object.keys(ic.Volumes ?? {})) {
    if (!userMounts.some((m) => m.target === target)) userMounts.push({ type: 'volume', source: '', target, readOnly: false, options: [], anonymous: true });
  }
  const config: ContainerConfig = {
    image: req.image, imageName: img.name, imageId: img.configDigest, chainId: img.chainId,
    entrypoint: req.entrypoint ?? ic.Entrypoint ?? [],
    cmd: req.cmd?.length ? req.cmd : (req.entrypoint !== undefined ? [] : ic.Cmd ?? []),
    env: mergeEnv(ic.Env ?? [], req.env ?? []), workingDir: req.workingDir || ic.WorkingDir || '/', user: req.user ?? ic.User ?? '',
    hostname: pod ? pod.config.hostname : req.hostname ?? id.slice(0, 12), domainname: req.domainname ?? '',
    tty: req.tty ?? false, openStdin: req.openStdin ?? false, labels: { ...(ic.Labels ?? {}), ...(req.labels ?? {}) },
    mounts: userMounts, publish, ...(ic.ExposedPorts ? { exposedPorts: Object.keys(ic.ExposedPorts) } : {}), networkMode: netMode, networkAliases: req.networkAliases ?? [],
    extraHosts: req.extraHosts ?? [], dns: req.dns ?? [], dnsSearch: req.dnsSearch ?? [], dnsOptions: req.dnsOptions ?? [],
    ...(req.memory ? { memory: req.memory } : {}), ...(req.memorySwap ? { memorySwap: req.memorySwap } : {}),
    ...(req.cpus ? { cpus: req.cpus } : {}), ...(req.pidsLimit ? { pidsLimit: req.pidsLimit } : {}),
    shmSize: req.shmSize ?? 64 * 1024 * 1024, readOnly: req.readOnly ?? false,
    capAdd: req.capAdd ?? [], capDrop: req.capDrop ?? [], privileged: req.privileged ?? false, seccomp,
    noNewPrivileges: req.noNewPrivileges ?? false, restart: req.restart ?? { name: 'no', maximumRetryCount: 0 },
    init: req.init ?? false, stopSignal: req.stopSignal ?? ic.StopSignal ?? 'SIGTERM', stopTimeout: req.stopTimeout ?? 10,
    runtime, autoRemove: req.autoRemove ?? false, ...(req.volatileRootfs ? { volatileRootfs: true } : {}), logSizeMax: req.logSizeMax ?? 0,
    ...(req.consoleSize ? { consoleSize: req.consoleSize } : {}),
    ...(pod ? { pod: { podId: pod.id, podName: pod.config.name }, pidMode: req.pidMode ?? (pod.config.hostPid ? 'host' : pod.config.sharePid ? 'pod' : 'private') } : req.pidMode ? { pidMode: req.pidMode } : {}),
    ...(req.logPath ? { logPath: req.logPath } : {}),
    ...(req.annotations ? { annotations: { ...req.annotations } } : {}),
    ...(req.devices?.length ? { devices: req.devices } : {}),
    ...(req.maskedPaths ? { maskedPaths: req.maskedPaths } : {}),
    ...(req.readonlyPaths ? { readonlyPaths: req.readonlyPaths } : {}),
    ...(req.supplementalGroups?.length ? { supplementalGroups: req.supplementalGroups } : {}),
  };
  parseSignal(config.stopSignal);
  if (config.entrypoint.length + config.cmd.length === 0) throw new EngineError('no command specified');
  const rec: ContainerRecord = { id, name, created: new Date().toISOString(), config, state: initialState() };
  // A generated name another create took meanwhile is drawn again (names.ts).
  insertNamed(core.store, rec, req.name === undefined);
  recordEvent(core.paths, { id, name: rec.name, action: 'create' });
  trace('create: inserted');
  const dir = core.dir(id);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    await opts.onReady?.(rec);
    await mountRootfs(core.images(), id, img.chainId, join(dir, 'rootfs'), { volatile: config.autoRemove || !!config.volatileRootfs });
    trace('create: rootfs mounted');
    for (const m of config.mounts) {
      if (m.type !== 'volume') continue;
      if (!m.source) m.source = randomBytes(32).toString('hex');
      const existed = !!core.store.volume(m.source);
      const vol = core.store.ensureVolume(m.source, {}, !!m.anonymous);
      if (!existed) seedVolume(join(dir, 'rootfs', m.target), vol.mountpoint);
    }
    core.store.saveConfig(id, config);
    // Fail now (not at start) on a user the image does not know, or one a rootless namespace of
    // one id cannot hold.
    const user = core.userOf(rec);
    if (core.rootless()?.singleId && (user.uid !== 0 || user.gid !== 0)) {
      throw new EngineError(`rootless without subordinate ids: the container cannot run as ${user.uid}:${user.gid}, the user namespace maps only 0 (your own id); add ranges to /etc/subuid and /etc/subgid (usermod --add-subuids/--add-subgids), stop your containers and end the namespace (kill the berth-userns holder process, pid in ${core.paths.runRoot}/pause.pid): the next command makes it with the ranges`);
    }
  } catch (e) {
    await core.dropPrelaunch(id, e as Error);
    await destroy(core, rec, { volumes: true }).catch(() => {});
    throw e;
  }
  // The caller's start follows at once (kubelet starts what it creates): the runtime's create
  // begins now, in the background, once the answer to the caller's client is out (precreate.ts).
  if (opts.precreate) precreate(core, id, { expireMs: opts.precreate.expireMs, delayMs: PRECREATE_DELAY_MS });
  return rec;
}

/** How long after create returns its runtime create done ahead begins (precreate.ts says why). */
const PRECREATE_DELAY_MS = 5;

/** Rootless, the default network is slirp4netns's (netglue.ts), and user networks reach out
 * through the rootless netns's slirp4netns. Host ports below the unprivileged start cannot be
 * bound by the user. */
function checkRootlessNetwork(mode: string, publish: PublishRequest[]): void {
  if (mode === 'pasta') {
    if (!onPath(PASTA_BIN)) throw new EngineError(`rootless: --network pasta needs ${PASTA_BIN} (apt-get install passt); or use the default network (slirp4netns) (docs/rootless.md)`);
  } else if (!onPath(SLIRP_BIN)) {
    const what = mode === 'bridge' ? 'the default network needs' : `network ${mode} needs (for the rootless network namespace's way out)`;
    throw new EngineError(`rootless: ${what} ${SLIRP_BIN} (apt-get install slirp4netns); or use --network none or --network host (docs/rootless.md)`);
  }
  let start = 1024;
  try { start = Number(readFileSync('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8').trim()); } catch { /* the kernel's default */ }
  const low = publish.find((p) => p.hostPort !== 0 && p.hostPort < start);
  if (low) {
    throw new EngineError(`rootless: host port ${low.hostPort} is below net.ipv4.ip_unprivileged_port_start (${start}): a user cannot bind it; publish a port of ${start} or more (or an admin lowers the sysctl)`);
  }
}

function onPath(cmd: string): boolean {
  return (process.env.PATH ?? '/usr/bin:/bin').split(':').some((d) => d && existsSync(join(d, cmd)));
}

function validateMount(m: MountSpec): void {
  const spec = `${m.source}:${m.target}`;
  if (!m.target.startsWith('/')) throw new MountSpecError(spec, `destination "${m.target}" is not an absolute path`);
  if (m.target === '/') throw new MountSpecError(spec, 'destination can\'t be \'/\'');
  if (m.type === 'bind') {
    if (!m.source.startsWith('/')) throw new MountSpecError(spec, `bind source "${m.source}" is not an absolute path`);
    if (!existsSync(m.source)) throw new MountSpecError(spec, `bind source path does not exist: ${m.source}`);
  }
  if (m.type === 'volume' && m.source && !VOLUME_NAME_RE.test(m.source)) {
    throw new MountSpecError(spec, `"${m.source}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed`);
  }
}

/** docker copies the image's files at a volume's mount point into a new volume. */
function seedVolume(from: string, to: string): void {
  try {
    if (!statSync(from).isDirectory()) return;
  } catch { return; }
  if (readdirSync(to).length) return;
  cpSync(from, to, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
}
