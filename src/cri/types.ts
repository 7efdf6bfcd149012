// TypeScript shapes of the CRI messages as proto-loader hands them over (proto.ts: camelCase
// fields, int64 as decimal strings, enums as names, unset fields at their defaults: '', 0, false,
// [], {} for maps, null for messages). Only what berth reads or writes is typed.
export type Int64 = string;
export type Labels = Record<string, string>;

export interface VersionRequest { version: string }
export interface VersionResponse { version: string; runtimeName: string; runtimeVersion: string; runtimeApiVersion: string }
export interface RuntimeCondition { type: string; status: boolean; reason: string; message: string }
export interface StatusRequest { verbose: boolean }
export interface StatusResponse { status: { conditions: RuntimeCondition[] }; info: Labels }
export interface UpdateRuntimeConfigRequest { runtimeConfig: { networkConfig: { podCidr: string } | null } | null }

export type NamespaceMode = 'POD' | 'CONTAINER' | 'NODE' | 'TARGET';
export interface NamespaceOption { network: NamespaceMode; pid: NamespaceMode; ipc: NamespaceMode; targetId: string }
export interface Int64Value { value: Int64 }
export interface SecurityProfile { profileType: 'RuntimeDefault' | 'Unconfined' | 'Localhost'; localhostRef: string }
export interface SELinuxOption { user: string; role: string; type: string; level: string }
export interface LinuxSandboxSecurityContext {
  namespaceOptions: NamespaceOption | null; selinuxOptions: SELinuxOption | null; runAsUser: Int64Value | null;
  runAsGroup: Int64Value | null; readonlyRootfs: boolean; supplementalGroups: Int64[]; privileged: boolean;
  seccomp: SecurityProfile | null; apparmor: SecurityProfile | null; seccompProfilePath: string;
}
export interface LinuxContainerResources {
  cpuPeriod: Int64; cpuQuota: Int64; cpuShares: Int64; memoryLimitInBytes: Int64; oomScoreAdj: Int64;
  cpusetCpus: string; cpusetMems: string; hugepageLimits: { pageSize: string; limit: string }[];
  unified: Labels; memorySwapLimitInBytes: Int64;
}
export interface PodSandboxMetadata { name: string; uid: string; namespace: string; attempt: number }
export interface PortMapping { protocol: 'TCP' | 'UDP' | 'SCTP'; containerPort: number; hostPort: number; hostIp: string }
export interface DNSConfig { servers: string[]; searches: string[]; options: string[] }
export interface PodSandboxConfig {
  metadata: PodSandboxMetadata | null; hostname: string; logDirectory: string; dnsConfig: DNSConfig | null;
  portMappings: PortMapping[]; labels: Labels; annotations: Labels;
  linux: { cgroupParent: string; securityContext: LinuxSandboxSecurityContext | null; sysctls: Labels;
    overhead: LinuxContainerResources | null; resources: LinuxContainerResources | null } | null;
}
export interface RunPodSandboxRequest { config: PodSandboxConfig | null; runtimeHandler: string }
export interface PodSandboxIdRequest { podSandboxId: string }
export interface PodSandboxStatusRequest { podSandboxId: string; verbose: boolean }
export type PodSandboxState = 'SANDBOX_READY' | 'SANDBOX_NOTREADY';
export interface PodSandboxStatus {
  id: string; metadata: PodSandboxMetadata | null; state: PodSandboxState; createdAt: Int64;
  network: { ip: string; additionalIps: { ip: string }[] } | null;
  linux: { namespaces: { options: NamespaceOption } } | null;
  labels: Labels; annotations: Labels; runtimeHandler: string;
}
export interface PodSandbox {
  id: string; metadata: PodSandboxMetadata | null; state: PodSandboxState; createdAt: Int64; labels: Labels;
  annotations: Labels; runtimeHandler: string;
}
export interface ListPodSandboxRequest {
  filter: { id: string; state: { state: PodSandboxState } | null; labelSelector: Labels } | null;
}

export interface Mount {
  containerPath: string; hostPath: string; readonly: boolean; selinuxRelabel: boolean;
  propagation: 'PROPAGATION_PRIVATE' | 'PROPAGATION_HOST_TO_CONTAINER' | 'PROPAGATION_BIDIRECTIONAL';
}
export interface Device { containerPath: string; hostPath: string; permissions: string }
export interface LinuxContainerSecurityContext {
  capabilities: { addCapabilities: string[]; dropCapabilities: string[]; addAmbientCapabilities: string[] } | null;
  privileged: boolean; namespaceOptions: NamespaceOption | null; selinuxOptions: SELinuxOption | null;
  runAsUser: Int64Value | null; runAsGroup: Int64Value | null; runAsUsername: string; readonlyRootfs: boolean;
  supplementalGroups: Int64[]; noNewPrivs: boolean; maskedPaths: string[]; readonlyPaths: string[];
  seccomp: SecurityProfile | null; apparmor: SecurityProfile | null; apparmorProfile: string; seccompProfilePath: string;
}
export interface ContainerMetadata { name: string; attempt: number }
export interface ImageSpec { image: string; annotations: Labels }
export interface ContainerConfig {
  metadata: ContainerMetadata | null; image: ImageSpec | null; command: string[]; args: string[]; workingDir: string;
  envs: { key: string; value: string }[]; mounts: Mount[]; devices: Device[]; labels: Labels; annotations: Labels;
  logPath: string; stdin: boolean; stdinOnce: boolean; tty: boolean;
  linux: { resources: LinuxContainerResources | null; securityContext: LinuxContainerSecurityContext | null } | null;
}
export interface CreateContainerRequest { podSandboxId: string; config: ContainerConfig | null; sandboxConfig: PodSandboxConfig | null }
export interface ContainerIdRequest { containerId: string }
export interface StopContainerRequest { containerId: string; timeout: Int64 }
export type ContainerState = 'CONTAINER_CREATED' | 'CONTAINER_RUNNING' | 'CONTAINER_EXITED' | 'CONTAINER_UNKNOWN';
export interface ListContainersRequest {
  filter: { id: string; state: { state: ContainerState } | null; podSandboxId: string; labelSelector: Labels } | null;
}
export interface Container {
  id: string; podSandboxId: string; metadata: ContainerMetadata | null; image: ImageSpec | null; imageRef: string;
  state: ContainerState; createdAt: Int64; labels: Labels; annotations: Labels;
}
export interface ContainerStatus {
  id: string; metadata: ContainerMetadata | null; state: ContainerState; createdAt: Int64; startedAt: Int64;
  finishedAt: Int64; exitCode: number; image: ImageSpec | null; imageRef: string; reason: string; message: string;
  labels: Labels; annotations: Labels; mounts: Mount[]; logPath: string;
  resources: { linux: LinuxContainerResources | null } | null;
}
export interface ContainerStatusRequest { containerId: string; verbose: boolean }
export interface UpdateContainerResourcesRequest { containerId: string; linux: LinuxContainerResources | null; annotations: Labels }
export interface ExecSyncRequest { containerId: string; cmd: string[]; timeout: Int64 }
export interface CheckpointContainerRequest { containerId: string; location: string; timeout: Int64 }
export interface ExecSyncResponse { stdout: Buffer; stderr: Buffer; exitCode: number }
export interface ExecRequest { containerId: string; cmd: string[]; tty: boolean; stdin: boolean; stdout: boolean; stderr: boolean }
export interface AttachRequest { containerId: string; stdin: boolean; tty: boolean; stdout: boolean; stderr: boolean }
export interface PortForwardRequest { podSandboxId: string; port: number[] }

export interface UInt64Value { value: Int64 }
export interface CpuUsage { timestamp: Int64; usageCoreNanoSeconds: UInt64Value | null; usageNanoCores: UInt64Value | null }
export interface MemoryUsage {
  timestamp: Int64; workingSetBytes: UInt64Value | null; availableBytes: UInt64Value | null; usageBytes: UInt64Value | null;
  rssBytes: UInt64Value | null; pageFaults: UInt64Value | null; majorPageFaults: UInt64Value | null;
}
export interface FilesystemUsage { timestamp: Int64; fsId: { mountpoint: string } | null; usedBytes: UInt64Value | null; inodesUsed: UInt64Value | null }
export interface ContainerStats {
  attributes: { id: string; metadata: ContainerMetadata | null; labels: Labels; annotations: Labels } | null;
  cpu: CpuUsage | null; memory: MemoryUsage | null; writableLayer: FilesystemUsage | null;
}
export interface ListContainerStatsRequest { filter: { id: string; podSandboxId: string; labelSelector: Labels } | null }

export interface Image {
  id: string; repoTags: string[]; repoDigests: string[]; size: Int64; uid: Int64Value | null; username: string;
  spec: ImageSpec | null; pinned: boolean;
}
export interface ListImagesRequest { filter: { image: ImageSpec | null } | null }
export interface ImageStatusRequest { image: ImageSpec | null; verbose: boolean }
export interface AuthConfig { username: string; password: string; auth: string; serverAddress: string; identityToken: string; registryToken: string }
export interface PullImageRequest { image: ImageSpec | null; auth: AuthConfig | null; sandboxConfig: PodSandboxConfig | null }
export interface RemoveImageRequest { image: ImageSpec | null }
