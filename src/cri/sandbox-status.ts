// PodSandboxStatus: the pod's state, address and namespace options; verbose adds berth's own
// record of it (infra pid, netns, CNI result) as JSON under "info".
import type { PodRecord } from '../engine/index.ts';
import type { CriContext } from './context.ts';
import { nanos, podMetadata, podState } from './convert.ts';
import { invalidArgument } from './errors.ts';
import type { PodSandboxStatus, PodSandboxStatusRequest } from './types.ts';

export function toSandboxStatus(pod: PodRecord): PodSandboxStatus {
  const c = pod.config;
  const [ip, ...more] = pod.state.ips;
  return {
    id: pod.id, metadata: podMetadata(pod), state: podState(pod), createdAt: nanos(pod.created),
    network: { ip: ip ?? '', additionalIps: more.map((x) => ({ ip: x })) },
    linux: { namespaces: { options: {
      network: c.network === 'host' ? 'NODE' : 'POD', pid: c.hostPid ? 'NODE' : c.sharePid ? 'POD' : 'CONTAINER',
      ipc: c.hostIpc ? 'NODE' : 'POD', targetId: '',
    } } },
    labels: { ...c.labels }, annotations: { ...c.annotations }, runtimeHandler: '',
  };
}

export async function podSandboxStatus(ctx: CriContext, req: PodSandboxStatusRequest): Promise<object> {
  if (!req.podSandboxId) throw invalidArgument('PodSandboxStatus: pod_sandbox_id is required');
  const pod = ctx.engine.pods.get(req.podSandboxId);
  const info: Record<string, string> = {};
  if (req.verbose) {
    info.info = JSON.stringify({
      // pid 0: a pod without an infra process; its namespaces are the netns and the pins.
      pid: pod.state.infraPid, conmonPid: pod.state.conmonPid, netnsPath: pod.state.netnsPath, pinnedNamespaces: pod.state.pinned ?? null, network: pod.config.network,
      cniResult: pod.state.cni?.result ?? null, hostname: pod.config.hostname, cgroupParent: pod.config.cgroupParent,
      portMappings: pod.config.portMappings, sysctls: pod.config.sysctls, error: pod.state.error,
    });
  }
  return { status: toSandboxStatus(pod), info, containersStatuses: [], timestamp: '0' };
}
