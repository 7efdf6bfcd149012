// Pods: sandboxes of shared namespaces (network through CNI, IPC, UTS; PID when asked) held by
// a tiny infra process of berth's own, which containers join (podman's model).
export { PodService } from './service.ts';
export { podNetworkStatus, loadPodConflist, DEFAULT_CNI_CONF_DIR } from './cni-config.ts';
export type { PodNetworkStatus } from './cni-config.ts';
