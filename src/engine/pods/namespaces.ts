// Which namespaces a pod makes for itself; the others are the host's. One answer for the infra
// process's spec (infra.ts), the pins (pinned.ts) and what a container joins (join.ts).
import type { PodConfig } from './types.ts';

export interface PodNamespaces {
  /** Its own IPC namespace (not the host's: hostIpc). */
  ipc: boolean;
  /** Its own network namespace, and so its own UTS namespace (its hostname). */
  network: boolean;
  uts: boolean;
  /** One PID namespace its containers share (sharePid, not the host's). */
  pid: boolean;
}

export function podNamespaces(c: PodConfig): PodNamespaces {
  const network = c.network !== 'host';
  return { ipc: !c.hostIpc, network, uts: network, pid: c.sharePid && !c.hostPid };
}
