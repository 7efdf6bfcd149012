// PodSandboxStats and ListPodSandboxStats: the pod's containers' stats, their CPU and memory
// summed for the pod, the pod's network counters and its process count.
import type { PodRecord } from '../engine/index.ts';
import type { CriContext } from './context.ts';
import { layersOf, statsOf } from './container-stats.ts';
import { podMetadata, selects } from './convert.ts';
import { invalidArgument } from './errors.ts';
import type { ContainerStats, Labels } from './types.ts';

const u64 = (n: number) => ({ value: String(Math.max(0, Math.round(n))) });
const sum = (xs: ContainerStats[], pick: (s: ContainerStats) => { value: string } | null | undefined) => xs.reduce((a, s) => a + Number(pick(s)?.value ?? 0), 0);

async function podStats(ctx: CriContext, pod: PodRecord): Promise<object> {
  const running = ctx.engine.pods.containers(pod.id).filter((c) => c.state.status === 'running');
  const layers = await layersOf(ctx, running);
  const containers = await Promise.all(running.map((c) => statsOf(ctx, c, layers)));
  const ts = (BigInt(Date.now()) * 1_000_000n).toString();
  const ifs = ctx.engine.pods.interfaces(pod.id).map((i) => ({ name: i.name, rxBytes: u64(i.rxBytes), rxErrors: u64(i.rxErrors), txBytes: u64(i.txBytes), txErrors: u64(i.txErrors) }));
  return {
    attributes: { id: pod.id, metadata: podMetadata(pod), labels: { ...pod.config.labels }, annotations: { ...pod.config.annotations } },
    linux: {
      cpu: { timestamp: ts, usageCoreNanoSeconds: u64(sum(containers, (s) => s.cpu?.usageCoreNanoSeconds)), usageNanoCores: null },
      memory: {
        timestamp: ts, workingSetBytes: u64(sum(containers, (s) => s.memory?.workingSetBytes)), availableBytes: null,
        usageBytes: u64(sum(containers, (s) => s.memory?.usageBytes)), rssBytes: u64(sum(containers, (s) => s.memory?.rssBytes)),
        pageFaults: u64(sum(containers, (s) => s.memory?.pageFaults)), majorPageFaults: u64(sum(containers, (s) => s.memory?.majorPageFaults)),
      },
      network: { timestamp: ts, defaultInterface: ifs.find((i) => i.name === 'eth0') ?? ifs[0] ?? null, interfaces: ifs },
      process: { timestamp: ts, processCount: u64(containers.length) },
      containers,
    },
    windows: null,
  };
}

export async function podSandboxStats(ctx: CriContext, req: { podSandboxId: string }): Promise<object> {
  if (!req.podSandboxId) throw invalidArgument('PodSandboxStats: pod_sandbox_id is required');
  return { stats: await podStats(ctx, ctx.engine.pods.get(req.podSandboxId)) };
}

export async function listPodSandboxStats(ctx: CriContext, req: { filter: { id: string; labelSelector: Labels } | null }): Promise<object> {
  const f = req.filter;
  const pods = ctx.engine.pods.list(f?.id ? { id: [f.id] } : {}).filter((p) => p.state.status === 'running' && selects(f?.labelSelector, p.config.labels));
  return { stats: await Promise.all(pods.map((p) => podStats(ctx, p))) };
}
