// ContainerStats and ListContainerStats: CPU and memory from the container's cgroup (one
// sample through the runtime), and the writable layer's usage (blocks and inodes under its
// snapshot's upper directory, as containerd's snapshotter counts them; measured at most every
// 2 s), for the containers of pods.
import type { LayerUsage, ListedContainer } from '../engine/index.ts';
import type { CriContext } from './context.ts';
import { containerAnnotations, containerMetadata, selects } from './convert.ts';
import { invalidArgument } from './errors.ts';
import type { ContainerIdRequest, ContainerStats, ListContainerStatsRequest } from './types.ts';

const u64 = (n: number | bigint) => ({ value: BigInt(Math.max(0, Math.round(Number(n)))).toString() });

/** The writable layers of `recs`, measured together (one find): by id. */
export function layersOf(ctx: CriContext, recs: readonly ListedContainer[]): Promise<Map<string, LayerUsage | null>> {
  return ctx.engine.containers.writableUsage(recs.map((r) => r.id)).catch(() => new Map<string, LayerUsage | null>());
}

/** One container's stats; `layers`: its writable layer among those layersOf measured. */
export async function statsOf(ctx: CriContext, rec: ListedContainer, layers: Map<string, LayerUsage | null>): Promise<ContainerStats> {
  const s = rec.state.status === 'running' ? await ctx.engine.containers.stats(rec.id).catch(() => null) : null;
  const usage = layers.get(rec.id) ?? null;
  const ts = (s ? BigInt(Date.parse(s.read)) * 1_000_000n : BigInt(Date.now()) * 1_000_000n).toString();
  const raw = s?.memory.raw ?? {};
  // The engine's usage is already less the inactive page cache: kubelet's working set.
  const workingSet = s?.memory.usage ?? 0;
  const limit = s?.memory.limit ?? 0;
  return {
    attributes: { id: rec.id, metadata: containerMetadata(rec), labels: { ...rec.config.labels }, annotations: containerAnnotations(rec) },
    cpu: { timestamp: ts, usageCoreNanoSeconds: u64(s?.cpu.totalNs ?? 0), usageNanoCores: null },
    memory: {
      timestamp: ts, workingSetBytes: u64(workingSet), availableBytes: limit > 0 && limit < 2 ** 62 ? u64(limit - workingSet) : null,
      usageBytes: u64(workingSet + Number(raw.total_inactive_file ?? raw.inactive_file ?? 0)), rssBytes: u64(Number(raw.total_rss ?? raw.rss ?? raw.anon ?? 0)),
      pageFaults: u64(Number(raw.total_pgfault ?? raw.pgfault ?? 0)), majorPageFaults: u64(Number(raw.total_pgmajfault ?? raw.pgmajfault ?? 0)),
    },
    writableLayer: usage ? {
      timestamp: (BigInt(usage.at) * 1_000_000n).toString(), fsId: { mountpoint: usage.root }, usedBytes: u64(usage.bytes), inodesUsed: u64(usage.inodes),
    } : null,
  };
}

export async function containerStats(ctx: CriContext, req: ContainerIdRequest): Promise<{ stats: ContainerStats }> {
  if (!req.containerId) throw invalidArgument('ContainerStats: container_id is required');
  const rec = ctx.engine.containers.get(req.containerId);
  return { stats: await statsOf(ctx, rec, await layersOf(ctx, [rec])) };
}

export async function listContainerStats(ctx: CriContext, req: ListContainerStatsRequest): Promise<{ stats: ContainerStats[] }> {
  const f = req.filter;
  const recs = ctx.engine.containers.list()
    .filter((r) => !!r.config.pod)
    .filter((r) => !f?.id || r.id.startsWith(f.id))
    .filter((r) => !f?.podSandboxId || r.config.pod!.podId.startsWith(f.podSandboxId))
    .filter((r) => selects(f?.labelSelector, r.config.labels));
  const layers = await layersOf(ctx, recs);
  return { stats: await Promise.all(recs.map((r) => statsOf(ctx, r, layers))) };
}
