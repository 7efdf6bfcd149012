// ContainerStats and ListContainerStats: CPU and memory from the container's cgroup (one
// sample through the runtime), for the containers of pods.
import { sampleContainer, type ContainerRecord } from '../engine/index.ts';
import type { CriContext } from './context.ts';
import { containerAnnotations, containerMetadata, selects } from './convert.ts';
import { invalidArgument } from './errors.ts';
import type { ContainerIdRequest, ContainerStats, ListContainerStatsRequest } from './types.ts';

const u64 = (n: number | bigint) => ({ value: BigInt(Math.max(0, Math.round(Number(n)))).toString() });

export async function statsOf(ctx: CriContext, rec: ContainerRecord): Promise<ContainerStats> {
  const s = await sampleContainer(ctx.engine, rec);
  const ts = (s?.timestampNs ?? BigInt(Date.now()) * 1_000_000n).toString();
  return {
    attributes: { id: rec.id, metadata: containerMetadata(rec), labels: { ...rec.config.labels }, annotations: containerAnnotations(rec) },
    cpu: { timestamp: ts, usageCoreNanoSeconds: u64(s?.cpuTotalNs ?? 0), usageNanoCores: null },
    memory: {
      timestamp: ts, workingSetBytes: u64(s?.workingSet ?? 0), availableBytes: s && s.memoryLimit > 0 && s.memoryLimit < 2 ** 62 ? u64(s.memoryLimit - s.workingSet) : null,
      usageBytes: u64(s?.memoryUsage ?? 0), rssBytes: u64(s?.rss ?? 0), pageFaults: u64(s?.pageFaults ?? 0), majorPageFaults: u64(s?.majorPageFaults ?? 0),
    },
    writableLayer: null,
  };
}

export async function containerStats(ctx: CriContext, req: ContainerIdRequest): Promise<{ stats: ContainerStats }> {
  if (!req.containerId) throw invalidArgument('ContainerStats: container_id is required');
  return { stats: await statsOf(ctx, ctx.engine.get(req.containerId)) };
}

export async function listContainerStats(ctx: CriContext, req: ListContainerStatsRequest): Promise<{ stats: ContainerStats[] }> {
  const f = req.filter;
  const recs = ctx.engine.list(false)
    .filter((r) => !!r.config.pod)
    .filter((r) => !f?.id || r.id.startsWith(f.id))
    .filter((r) => !f?.podSandboxId || r.config.pod!.podId.startsWith(f.podSandboxId))
    .filter((r) => selects(f?.labelSelector, r.config.labels));
  return { stats: await Promise.all(recs.map((r) => statsOf(ctx, r))) };
}
