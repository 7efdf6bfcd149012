// berth networking: network namespaces, bridge networks through the real CNI plugins, port
// publishing and /etc/hosts + resolv.conf contents for name resolution between containers.
//
// Facts the engine should know (verified on Debian 12's containernetworking-plugins 1.1.1):
// - Published ports are pure iptables DNAT (portmap), no userland proxy. They answer on the host's
//   addresses and on 127.0.0.1: portmap sets route_localnet=1 on the bridge and masquerades
//   127.0.0.1-sourced flows (snat: true), so nothing else is needed. IPv4 only.
// - The bridge plugin (isGateway) turns on net.ipv4.ip_forward host-wide and leaves it on.
// - Masquerade, FORWARD and isolation are per network, docker-style, in berth's own chains
//   (BERTH-FORWARD, BERTH-ISOLATION-STAGE-1/2, nat BERTH-POSTROUTING; rules.ts, firewall.ts):
//   made when a network is created and checked (one iptables-save) at every attach, removed with
//   the network. No per-container iptables work: the conflist has no ipMasq and no firewall
//   plugin. Networks are isolated from each other; a FORWARD policy of DROP does not cut them off.
// - Our chains and their hooks, and CNI's shared chains (CNI-HOSTPORT-*, and CNI-FORWARD,
//   CNI-ISOLATION-STAGE-* of older berths), stay after the last network goes, as with every CNI
//   user; nothing naming our bridges, containers or addresses does.
// - Every network has a bridge of its own, made (with its gateway address) when the network is,
//   under a host-wide lock, so that its route claims the subnet for every state root on the host.
//   The default network's bridge is berth0 for the default root and berth0-<hash of the root>
//   for any other: one root's teardown never deletes another's bridge or rules.
// - /run/berth/netns is made a shared bind mount of itself (as ip-netns does for /run/netns).
export { createNetns, removeNetns, isNetns, NETNS_RUN_DIR } from './netns.ts';
export {
  createNetwork, listNetworks, inspectNetwork, removeNetwork, ensureDefaultNetwork,
} from './networks.ts';
export type { CreateNetworkRequest, NetworkDetails } from './networks.ts';
export { attach, detach, check, loopbackUp, attachmentsOf, masquerades } from './attach.ts';
export { sweepMasquerade } from './host.ts';
export type { AttachRequest, AttachResult, DetachRequest } from './attach.ts';
export { parsePublish, resolvePortMappings } from './publish.ts';
export type { PublishRequest, PortMapping, Protocol } from './publish.ts';
export { networkPeers, hostsFor, renderHosts, resolvConf, renderResolvConf, parseResolvConf } from './hosts.ts';
export type { Peer, HostEntry, HostsInput, ResolvConfInput } from './hosts.ts';
export { DEFAULT_STATE_ROOT } from './store.ts';
export type { StoreOptions, NetworkInfo, AttachmentRecord } from './store.ts';
export { DEFAULT_NETWORK, DEFAULT_SUBNET, USER_POOL } from './subnet.ts';
export { DEFAULT_CNI_PATH, addNetworkList, delNetworkList } from './cni.ts';
export type { CniResult, CniRuntimeConf } from './cni.ts';
export { attachmentChain, buildConflist, CNI_VERSION } from './conflist.ts';
export { ensureNetworkRules, removeNetworkRules, RULES_LOCK } from './firewall.ts';
export { networkRules, planEnsure, planRemove, parseSave, CHAIN_FORWARD, CHAIN_ISOLATION_1, CHAIN_ISOLATION_2, CHAIN_POSTROUTING } from './rules.ts';
export type { RulesNetwork, Rule } from './rules.ts';
export type { Conflist } from './conflist.ts';
export * from './errors.ts';
export { startSlirp, stopSlirp, SlirpError, SLIRP_BIN, SLIRP_DNS, SLIRP_GATEWAY, SLIRP_IP } from './slirp.ts';
export { startPasta, stopPasta, PastaError, PASTA_BIN, PASTA_IFNAME } from './pasta.ts';
