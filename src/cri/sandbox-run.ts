// RunPodSandbox: a CRI pod config → an engine pod (engine.pods.run): CNI networking from the
// configuration directory unless the pod uses the node's network, PID/IPC sharing from the
// namespace options, DNS, port mappings, sysctls, cgroup parent, log directory; an infra
// process only where the pod shares a PID namespace.
import { hostname as osHostname } from 'node:os';
import type { PodCreateRequest } from '../engine/index.ts';
import type { CriContext } from './context.ts';
import { podName } from './convert.ts';
import { invalidArgument } from './errors.ts';
import type { PodSandboxConfig, RunPodSandboxRequest } from './types.ts';
import { checkSandboxSecurity } from './security.ts';

/** The runtime handlers berth answers to ('' is the default). */
export const RUNTIME_HANDLERS = ['', 'berth', 'runc'];

export function podRequest(cfg: PodSandboxConfig): PodCreateRequest {
  const m = cfg.metadata;
  if (!m || !m.name || !m.namespace || !m.uid) throw invalidArgument('sandbox config: metadata.name, metadata.namespace and metadata.uid are required');
  const linux = cfg.linux;
  const ns = linux?.securityContext?.namespaceOptions;
  checkSandboxSecurity(linux?.securityContext ?? null);
  // An absent NamespaceOption reads as its zero value, POD everywhere (as containerd reads it):
  // the pod gets a PID namespace of its own that its containers share.
  const pid = ns?.pid ?? 'POD';
  const hostNetwork = ns?.network === 'NODE';
  const cgroupParent = (linux?.cgroupParent ?? '').replace(/^\/+/, '').replace(/\/+$/, '');
  return {
    // No hostname: the node's, as containerd does (the pod name may be longer than a hostname may be).
    name: podName(m), hostname: cfg.hostname || osHostname(), labels: { ...cfg.labels }, annotations: { ...cfg.annotations },
    network: hostNetwork ? 'host' : 'cni', sharePid: pid === 'POD', hostPid: pid === 'NODE', hostIpc: ns?.ipc === 'NODE',
    dns: { servers: cfg.dnsConfig?.servers ?? [], searches: cfg.dnsConfig?.searches ?? [], options: cfg.dnsConfig?.options ?? [] },
    portMappings: cfg.portMappings.map((p) => {
      if (!(p.containerPort > 0 && p.containerPort < 65536)) throw invalidArgument(`port mapping: invalid container port ${p.containerPort}`);
      return { protocol: p.protocol.toLowerCase() as 'tcp' | 'udp' | 'sctp', containerPort: p.containerPort, hostPort: p.hostPort, hostIp: p.hostIp };
    }),
    sysctls: { ...(linux?.sysctls ?? {}) }, cgroupParent, logDirectory: cfg.logDirectory,
    metadata: { name: m.name, uid: m.uid, namespace: m.namespace, attempt: m.attempt },
    // No infra process unless the pod shares a PID namespace (kubelet's default pods do not):
    // IPC and UTS pinned by bind mounts, as CRI-O's drop_infra_ctr does (engine/pods/pinned.ts).
    infra: false,
  };
}

export async function runPodSandbox(ctx: CriContext, req: RunPodSandboxRequest): Promise<{ podSandboxId: string }> {
  if (!req.config) throw invalidArgument('RunPodSandbox: config is required');
  if (!RUNTIME_HANDLERS.includes(req.runtimeHandler)) throw invalidArgument(`RunPodSandbox: unknown runtime handler "${req.runtimeHandler}" (berth serves: ${RUNTIME_HANDLERS.map((h) => JSON.stringify(h)).join(', ')})`);
  const pod = await ctx.engine.pods.run(podRequest(req.config));
  return { podSandboxId: pod.id };
}
