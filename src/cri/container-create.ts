// CreateContainer: a CRI container config → engine.create in the pod: command/args as
// entrypoint/cmd, env, working dir, mounts with propagation, devices, labels/annotations,
// kubelet's log path, resources and the security context (user, groups, capabilities,
// privileged, read-only rootfs, no-new-privs, masked/read-only paths, seccomp).
import { dirname, isAbsolute, join } from 'node:path';
import { mkdirSync } from 'node:fs';
import type { CreateRequest, MountSpec } from '../engine/index.ts';
import type { CriContext } from './context.ts';
import { ANN_ATTEMPT, ANN_NAME, containerName } from './convert.ts';
import { failedPrecondition, invalidArgument } from './errors.ts';
import { checkContainerSecurity, seccompFor } from './security.ts';
import type { ContainerConfig, CreateContainerRequest, LinuxContainerResources, Mount } from './types.ts';

const PROPAGATION: Record<Mount['propagation'], string> = {
  PROPAGATION_PRIVATE: 'rprivate', PROPAGATION_HOST_TO_CONTAINER: 'rslave', PROPAGATION_BIDIRECTIONAL: 'rshared',
};

function mountSpec(m: Mount): MountSpec {
  if (!isAbsolute(m.containerPath)) throw invalidArgument(`mount: container path "${m.containerPath}" is not absolute`);
  if (!isAbsolute(m.hostPath)) throw invalidArgument(`mount: host path "${m.hostPath}" is not absolute`);
  return { type: 'bind', source: m.hostPath, target: m.containerPath, readOnly: m.readonly, options: [PROPAGATION[m.propagation] ?? 'rprivate'] };
}

/** The user: a numeric uid (with run_as_group) or a user name the image knows. */
function userOf(sc: NonNullable<NonNullable<ContainerConfig['linux']>['securityContext']>): string | undefined {
  const group = sc.runAsGroup ? `:${sc.runAsGroup.value}` : '';
  if (sc.runAsUser) return `${sc.runAsUser.value}${group}`;
  if (sc.runAsUsername) return `${sc.runAsUsername}${group}`;
  if (group) throw invalidArgument('security context: run_as_group needs run_as_user or run_as_username');
  return undefined;
}

export function resourcesOf(r: LinuxContainerResources | null | undefined): Pick<CreateRequest, 'memory' | 'memorySwap' | 'cpus'> {
  if (!r) return {};
  const out: Pick<CreateRequest, 'memory' | 'memorySwap' | 'cpus'> = {};
  const mem = Number(r.memoryLimitInBytes);
  if (mem > 0) out.memory = mem;
  const swap = Number(r.memorySwapLimitInBytes);
  if (swap > 0) out.memorySwap = swap;
  const quota = Number(r.cpuQuota), period = Number(r.cpuPeriod) || 100000;
  if (quota > 0) out.cpus = quota / period;
  return out;
}

/** How long a container created in the runtime ahead waits for StartContainer. */
const PRECREATE_EXPIRE_MS = 10_000;

export function createRequest(cfg: ContainerConfig, podId: string, name: string, logDirectory: string): CreateRequest {
  if (!cfg.image?.image) throw invalidArgument('container config: image.image is required');
  const sc = cfg.linux?.securityContext ?? null;
  checkContainerSecurity(sc);
  const logPath = cfg.logPath ? join(logDirectory || '/', cfg.logPath) : undefined;
  if (cfg.logPath && !logDirectory && !isAbsolute(cfg.logPath)) throw invalidArgument('container config: log_path is relative but the sandbox has no log_directory');
  const user = sc ? userOf(sc) : undefined;
  const ns = sc?.namespaceOptions;
  return {
    // kubelet never starts an exited container again: its writable layer need not reach the
    // disk (no sync of the whole file system at its unmount).
    image: cfg.image.image, name, pod: podId, pull: 'never', volatileRootfs: true,
    ...(cfg.command.length ? { entrypoint: [...cfg.command] } : {}),
    ...(cfg.args.length ? { cmd: [...cfg.args] } : {}),
    env: cfg.envs.map((e) => `${e.key}=${e.value}`),
    ...(cfg.workingDir ? { workingDir: cfg.workingDir } : {}),
    ...(user ? { user } : {}),
    tty: cfg.tty, openStdin: cfg.stdin,
    labels: { ...cfg.labels },
    annotations: { ...cfg.annotations, [ANN_NAME]: cfg.metadata!.name, [ANN_ATTEMPT]: String(cfg.metadata!.attempt) },
    mounts: cfg.mounts.map(mountSpec),
    devices: cfg.devices.map((d) => ({ hostPath: d.hostPath, containerPath: d.containerPath, permissions: d.permissions })),
    ...(logPath ? { logPath } : {}),
    ...resourcesOf(cfg.linux?.resources),
    ...(sc ? {
      privileged: sc.privileged, readOnly: sc.readonlyRootfs, noNewPrivileges: sc.noNewPrivs,
      capAdd: sc.capabilities?.addCapabilities ?? [], capDrop: sc.capabilities?.dropCapabilities ?? [],
      seccomp: seccompFor(sc.seccomp, sc.seccompProfilePath),
      ...(sc.maskedPaths.length ? { maskedPaths: [...sc.maskedPaths] } : {}),
      ...(sc.readonlyPaths.length ? { readonlyPaths: [...sc.readonlyPaths] } : {}),
      ...(sc.supplementalGroups.length ? { supplementalGroups: sc.supplementalGroups.map(Number) } : {}),
    } : { seccomp: 'unconfined' }),
    // An absent NamespaceOption is its zero value: POD (the pod's shared PID namespace, if it has one).
    pidMode: ns?.pid === 'NODE' ? 'host' : ns?.pid === 'CONTAINER' ? 'private' : 'pod',
  };
}

export async function createContainer(ctx: CriContext, req: CreateContainerRequest): Promise<{ containerId: string }> {
  if (!req.podSandboxId) throw invalidArgument('CreateContainer: pod_sandbox_id is required');
  const cfg = req.config;
  if (!cfg || !cfg.metadata?.name) throw invalidArgument('CreateContainer: config with metadata.name is required');
  const pod = ctx.engine.pods.get(req.podSandboxId);
  if (pod.state.status !== 'running') throw failedPrecondition(`CreateContainer: pod ${pod.id} is not running`);
  const r = createRequest(cfg, pod.id, containerName(cfg.metadata, pod), pod.config.logDirectory);
  if (r.logPath) mkdirSync(dirname(r.logPath), { recursive: true });
  // kubelet starts what it creates at once: the engine creates the container in the runtime
  // ahead, in the background, while the client turns around to StartContainer (then only the
  // runtime's start); unused, it is undone after PRECREATE_EXPIRE_MS.
  const rec = await ctx.engine.containers.create(r, { precreate: { expireMs: PRECREATE_EXPIRE_MS } });
  return { containerId: rec.id };
}
