// ContainerStatus: state, times, exit code and reason, image, mounts, log path; verbose adds
// the engine's record (pid, runtime, spec inputs) as JSON under "info".
import type { ContainerRecord, Engine } from '../engine/index.ts';
import type { CriContext } from './context.ts';
import { containerAnnotations, containerMetadata, containerState, nanos } from './convert.ts';
import { invalidArgument } from './errors.ts';
import type { ContainerStatus, ContainerStatusRequest } from './types.ts';

function reasonOf(rec: ContainerRecord): string {
  if (rec.state.status !== 'exited') return '';
  if (rec.state.oomKilled) return 'OOMKilled';
  return rec.state.exitCode === 0 ? 'Completed' : 'Error';
}

export function toContainerStatus(engine: Engine, rec: ContainerRecord): ContainerStatus {
  const c = rec.config;
  const mem = c.memory ?? 0;
  return {
    id: rec.id, metadata: containerMetadata(rec), state: containerState(rec), createdAt: nanos(rec.created),
    startedAt: nanos(rec.state.startedAt), finishedAt: nanos(rec.state.finishedAt), exitCode: rec.state.exitCode,
    image: { image: c.imageName || c.image, annotations: {} }, imageRef: c.imageId, reason: reasonOf(rec), message: rec.state.error,
    labels: { ...c.labels }, annotations: containerAnnotations(rec),
    mounts: c.mounts.filter((m) => m.type === 'bind').map((m) => ({
      containerPath: m.target, hostPath: m.source, readonly: m.readOnly, selinuxRelabel: false,
      propagation: m.options.includes('rshared') ? 'PROPAGATION_BIDIRECTIONAL' : m.options.includes('rslave') ? 'PROPAGATION_HOST_TO_CONTAINER' : 'PROPAGATION_PRIVATE',
    })),
    logPath: engine.containers.logPath(rec.id),
    resources: { linux: {
      cpuPeriod: c.cpus ? '100000' : '0', cpuQuota: c.cpus ? String(Math.round(c.cpus * 100000)) : '0', cpuShares: '0',
      memoryLimitInBytes: String(mem), oomScoreAdj: '0', cpusetCpus: '', cpusetMems: '', hugepageLimits: [], unified: {},
      memorySwapLimitInBytes: String(c.memorySwap ?? 0),
    } },
  };
}

export async function containerStatus(ctx: CriContext, req: ContainerStatusRequest): Promise<object> {
  if (!req.containerId) throw invalidArgument('ContainerStatus: container_id is required');
  const rec = ctx.engine.containers.get(req.containerId);
  const info: Record<string, string> = {};
  if (req.verbose) {
    info.info = JSON.stringify({ pid: rec.state.pid, conmonPid: rec.state.conmonPid, runtime: rec.config.runtime, sandboxId: rec.config.pod?.podId ?? '', config: rec.config });
  }
  return { status: toContainerStatus(ctx.engine, rec), info };
}
