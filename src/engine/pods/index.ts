// Pods: sandboxes of shared namespaces (network through CNI, IPC, UTS; PID when asked) held by
// a tiny infra process of berth's own (podman's model), or by bind mounts where no PID namespace
// is shared and the pod asked for no infra (CRI pods: pinned.ts); containers join them.
export { PodService } from './service.ts';
export { podNetworkStatus, loadPodConflist, DEFAULT_CNI_CONF_DIR } from './cni-config.ts';
export type { PodNetworkStatus } from './cni-config.ts';
