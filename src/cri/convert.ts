// Shared CRI <-> engine conversions: timestamps, names, states, the metadata berth keeps for a
// CRI object (in the pod's metadata, or reserved container annotations), and label selectors.
import type { ListedContainer, PodRecord } from '../engine/index.ts';
import type { Container, ContainerMetadata, ContainerState, Labels, PodSandboxMetadata, PodSandboxState } from './types.ts';

/** ISO time (or '') → nanoseconds since the epoch, as the decimal string an int64 field takes. */
export function nanos(iso: string): string {
  if (!iso) return '0';
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? '0' : (BigInt(ms) * 1_000_000n).toString();
}

/** Reserved annotation keys holding a CRI container's metadata (stripped from what we return). */
export const ANN_NAME = 'io.berth.cri.container-name';
export const ANN_ATTEMPT = 'io.berth.cri.container-attempt';

/** Engine names for CRI objects, unique per (metadata, attempt) as kubelet expects them. */
export function podName(m: PodSandboxMetadata): string {
  return `k8s_${m.name}_${m.namespace}_${m.uid}_${m.attempt}`.replace(/[^a-zA-Z0-9_.-]/g, '-');
}
export function containerName(m: ContainerMetadata, pod: PodRecord): string {
  return `k8s_${m.name}_${pod.config.name.replace(/^k8s_/, '')}_${m.attempt}`.replace(/[^a-zA-Z0-9_.-]/g, '-');
}

export function podMetadata(pod: PodRecord): PodSandboxMetadata {
  const m = pod.config.metadata;
  return { name: String(m.name ?? pod.config.name), uid: String(m.uid ?? ''), namespace: String(m.namespace ?? ''), attempt: Number(m.attempt ?? 0) };
}

export function podState(pod: PodRecord): PodSandboxState {
  return pod.state.status === 'running' ? 'SANDBOX_READY' : 'SANDBOX_NOTREADY';
}

export function containerMetadata(rec: ListedContainer): ContainerMetadata {
  const a = rec.config.annotations ?? {};
  return { name: a[ANN_NAME] ?? rec.name, attempt: Number(a[ANN_ATTEMPT] ?? 0) };
}

export function containerAnnotations(rec: ListedContainer): Labels {
  const out: Labels = {};
  for (const [k, v] of Object.entries(rec.config.annotations ?? {})) if (k !== ANN_NAME && k !== ANN_ATTEMPT) out[k] = v;
  return out;
}

export function containerState(rec: ListedContainer): ContainerState {
  switch (rec.state.status) {
    case 'created': return 'CONTAINER_CREATED';
    case 'running': case 'restarting': return 'CONTAINER_RUNNING';
    case 'exited': return 'CONTAINER_EXITED';
    default: return 'CONTAINER_UNKNOWN';
  }
}

export function toContainer(rec: ListedContainer): Container {
  return {
    id: rec.id, podSandboxId: rec.config.pod?.podId ?? '', metadata: containerMetadata(rec),
    image: { image: rec.config.imageName || rec.config.image, annotations: {} }, imageRef: rec.config.imageId,
    state: containerState(rec), createdAt: nanos(rec.created), labels: { ...rec.config.labels }, annotations: containerAnnotations(rec),
  };
}

/** Every key=value of the selector is among the labels. */
export function selects(selector: Labels | undefined, labels: Labels): boolean {
  for (const [k, v] of Object.entries(selector ?? {})) if (labels[k] !== v) return false;
  return true;
}
