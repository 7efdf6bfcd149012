// berth networking: network namespaces, bridge networks through the real CNI plugins, port
// publishing and /etc/hosts + resolv.conf contents for name resolution between containers.
export { createNetns, removeNetns, isNetns, NETNS_RUN_DIR } from './netns.ts';
export {
  createNetwork, listNetworks, inspectNetwork, removeNetwork, ensureDefaultNetwork,
} from './networks.ts';
export type { CreateNetworkRequest, NetworkDetails } from './networks.ts';
export { attach, detach, check, loopbackUp, attachmentsOf } from './attach.ts';
export type { AttachRequest, AttachResult, DetachRequest } from './attach.ts';
export { parsePublish, resolvePortMappings } from './publish.ts';
export type { PublishRequest, PortMapping, Protocol } from './publish.ts';
export { networkPeers, hostsFor, renderHosts, resolvConf, renderResolvConf, parseResolvConf } from './hosts.ts';
export type { Peer, HostEntry, HostsInput, ResolvConfInput } from './hosts.ts';
export { DEFAULT_STATE_ROOT } from './store.ts';
export type { StoreOptions, NetworkInfo, AttachmentRecord } from './store.ts';
export { DEFAULT_NETWORK, DEFAULT_SUBNET, USER_POOL } from './subnet.ts';
export { DEFAULT_CNI_PATH } from './cni.ts';
export type { CniResult } from './cni.ts';
export { buildConflist, CNI_VERSION } from './conflist.ts';
export type { Conflist } from './conflist.ts';
export * from './errors.ts';
