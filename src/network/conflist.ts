// The CNI network configuration list (conflist) for a berth network, as plain data.
// Plugin order matters: bridge (+ host-local IPAM) creates the interface and address, portmap
// adds host port DNAT from the runtimeConfig. Masquerade, FORWARD and isolation between networks
// are per network, not per container (rules.ts), as docker does it: no ipMasq (a nat chain per
// container) and no firewall plugin (iptables work per container at ADD and at DEL).

export const CNI_VERSION = '1.0.0';

export interface NetworkSpec {
  name: string;
  bridge: string;
  subnet: string;
  gateway: string;
  internal: boolean;
  /** host-local's lease directory (it makes <dataDir>/<network name>/). */
  ipamDataDir: string;
  mtu?: number;
}

export interface PluginConf {
  type: string;
  capabilities?: Record<string, boolean>;
  [key: string]: unknown;
}

export interface Conflist {
  cniVersion: string;
  name: string;
  plugins: PluginConf[];
}

export function buildConflist(n: NetworkSpec): Conflist {
  const bridge: PluginConf = {
    type: 'bridge',
    bridge: n.bridge,
    // An internal network has no way out: no gateway address on the bridge, no NAT, no default route.
    isGateway: !n.internal,
    ipMasq: false,
    // Lets a container reach its own published port through the host's address.
    hairpinMode: true,
    ipam: {
      type: 'host-local',
      dataDir: n.ipamDataDir,
      ranges: [[{ subnet: n.subnet, gateway: n.gateway }]],
      routes: n.internal ? [] : [{ dst: '0.0.0.0/0' }],
    },
  };
  if (n.mtu !== undefined) bridge.mtu = n.mtu;
  const plugins: PluginConf[] = [bridge];
  if (!n.internal) plugins.push({ type: 'portmap', capabilities: { portMappings: true }, snat: true });
  return { cniVersion: CNI_VERSION, name: n.name, plugins };
}

/** The chain an attachment runs: without port mappings the portmap plugin is left out. Its ADD
 * then only passes the previous result on, yet its DEL still runs iptables for the container's
 * chains (two Go plugin starts and several iptables runs per container for nothing). Callers
 * keep the chain the ADD ran, which DEL and CHECK then use. */
export function attachmentChain(config: Conflist, portMappings: readonly unknown[]): Conflist {
  return portMappings.length ? config : { ...config, plugins: config.plugins.filter((p) => p.type !== 'portmap') };
}
