// A pod as the engine keeps it: what was asked (PodConfig, fixed at create) and what happened
// (PodState). Stored as JSON (pods/<id>/pod.json), so a restarted berthd finds every pod.
import type { CniResult, Conflist } from '../../network/index.ts';

export interface PodPortMapping { protocol: 'tcp' | 'udp' | 'sctp'; containerPort: number; hostPort: number; hostIp: string }

export interface PodConfig {
  name: string;
  hostname: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** 'cni': the CNI configuration directory's first conflist (CRI pods); 'host'; 'none'; or a
   * berth network ('bridge' is the default one). */
  network: string;
  /** Share one PID namespace among the pod's containers (held by the infra process). */
  sharePid: boolean;
  /** Use the host's namespaces. */
  hostPid: boolean;
  hostIpc: boolean;
  dns: { servers: string[]; searches: string[]; options: string[] };
  portMappings: PodPortMapping[];
  sysctls: Record<string, string>;
  /** cgroup parent of the pod's containers (default: the engine's). */
  cgroupParent: string;
  /** Where a CRI pod's container logs go (kubelet's log_directory). */
  logDirectory: string;
  /** The front's own record of the pod (CRI metadata: name, uid, namespace, attempt). */
  metadata: Record<string, string | number>;
  runtime?: string;
  /** false: no infra process unless the pod shares a PID namespace; its IPC and UTS namespaces
   * are pinned by bind mounts instead (pinned.ts; CRI pods). Absent: an infra process. */
  infra?: false;
}

export type PodStatus = 'created' | 'running' | 'stopped';

export interface PodState {
  status: PodStatus;
  infraPid: number;
  conmonPid: number;
  netnsPath: string;
  /** Addresses of the pod (first: the primary). */
  ips: string[];
  /** The CNI configuration and result of the attachment, for its DEL (as libcni caches them). */
  cni?: { conflist: Conflist; result: CniResult; ifName: string; capabilityArgs?: Record<string, unknown> };
  /** A berth network the pod joined (network/attach), for its detach. */
  berthNetwork?: string;
  /** A pod without an infra process: its pinned namespaces (absent: the host's). */
  pinned?: { ipc?: string; uts?: string };
  /** The host's boot the pins were made in (a reboot ends them). */
  bootId?: string;
  startedAt: string;
  finishedAt: string;
  error: string;
}

export interface PodRecord {
  id: string;
  created: string;
  config: PodConfig;
  state: PodState;
}

/** What containers of a pod join: namespace files, the pod's etc files, its cgroup parent. */
export interface PodJoin {
  podId: string;
  podName: string;
  netnsPath: string;
  hostNetwork: boolean;
  /** /proc/<infra>/ns/<type> of the infra process, the pod's pin, or '' to share the host's. */
  ipc: string;
  uts: string;
  /** '' unless the pod shares one PID namespace. */
  pid: string;
  hostPid: boolean;
  hostname: string;
  hostsPath: string;
  hostnamePath: string;
  resolvConfPath: string;
  cgroupParent: string;
}

export interface PodCreateRequest {
  name?: string;
  hostname?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  network?: string;
  sharePid?: boolean;
  hostPid?: boolean;
  hostIpc?: boolean;
  dns?: Partial<PodConfig['dns']>;
  portMappings?: PodPortMapping[];
  sysctls?: Record<string, string>;
  cgroupParent?: string;
  logDirectory?: string;
  metadata?: Record<string, string | number>;
  /** false: no infra process where none is needed (PodConfig.infra). */
  infra?: false;
}
