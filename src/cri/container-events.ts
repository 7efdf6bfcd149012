// GetContainerEvents: a stream of container lifecycle events (kubelet's evented PLEG) from the
// engine's event log, followed from the moment of the call: created, started, stopped (died)
// and deleted, each with the container's and its pod's status when they still exist.
import type { ServerWritableStream } from '@grpc/grpc-js';
import type { ContainerRecord, PodRecord } from '../engine/index.ts';
import type { CriContext } from './context.ts';
import { nanos } from './convert.ts';
import { toContainerStatus } from './container-status.ts';
import { toSandboxStatus } from './sandbox-status.ts';

const TYPES: Record<string, string> = {
  create: 'CONTAINER_CREATED_EVENT', start: 'CONTAINER_STARTED_EVENT', die: 'CONTAINER_STOPPED_EVENT', destroy: 'CONTAINER_DELETED_EVENT',
};

export function getContainerEvents(ctx: CriContext, call: ServerWritableStream<object, object>): void {
  const ac = new AbortController();
  call.on('cancelled', () => ac.abort());
  call.on('close', () => ac.abort());
  const since = BigInt(Date.now()) * 1_000_000n;
  (async () => {
    for await (const e of ctx.engine.system.events({ follow: true, sinceNs: since, signal: ac.signal })) {
      const type = e.type === 'pod' ? undefined : TYPES[e.action];
      if (!type) continue;
      let rec: ContainerRecord | undefined;
      try { rec = ctx.engine.containers.get(e.id); } catch { /* removed since */ }
      // Only the containers of pods are the CRI's (a deleted one can no longer be told apart).
      if (rec && !rec.config.pod) continue;
      let pod: PodRecord | undefined;
      try { if (rec?.config.pod) pod = ctx.engine.pods.get(rec.config.pod.podId); } catch { /* removed since */ }
      call.write({
        containerId: e.id, containerEventType: type, createdAt: nanos(e.time),
        podSandboxStatus: pod ? toSandboxStatus(pod) : null, containersStatuses: rec ? [toContainerStatus(ctx.engine, rec)] : [],
      });
    }
  })().catch((err: Error) => { if (!ac.signal.aborted) ctx.log(`GetContainerEvents: ${err.message}`); }).finally(() => call.end());
}
