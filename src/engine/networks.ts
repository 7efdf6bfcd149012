// engine.networks: src/network's bridge networks under the engine's state root, and the two
// every engine has without making them (host: the host's stack; none: a loopback only), with
// docker's filters and prune (networks no container uses). connect/disconnect are the container
// service's (under the container's lock), offered here too in docker's network-first order.
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import {
  createNetwork, ensureDefaultNetwork, inspectNetwork, listNetworks, removeNetwork, DEFAULT_NETWORK,
  type AttachmentRecord, type CreateNetworkRequest, type NetworkInfo as BridgeNetworkInfo,
} from '../network/index.ts';
import { connect, disconnect } from './containers/connect.ts';
import type { EngineCore } from './core.ts';
import { PredefinedNetworkError } from './errors.ts';
import { checkFilters, labelMatches, pruneMatcher } from './filters.ts';
import { netOpts, networkName } from './netglue.ts';
import type { Filters } from './requests.ts';

const NETWORK_FILTERS = ['name', 'id', 'label', 'driver', 'type', 'scope', 'dangling'];

/** A network as the engine shows it: a bridge network, or host (driver `host`) or none
 * (driver `null`, as docker names them), which have no bridge, subnet or gateway. */
export interface NetworkInfo extends Omit<BridgeNetworkInfo, 'driver'> { driver: 'bridge' | 'host' | 'null' }
/** A container on a network: its address and MAC on a bridge; none on host or none. */
export type NetworkMember = Pick<AttachmentRecord, 'containerId' | 'name' | 'aliases' | 'ips' | 'mac'>;
export interface NetworkDetails extends NetworkInfo { containers: NetworkMember[] }

/** The network modes that are networks too (docker lists them beside bridge). */
export const PREDEFINED_NETWORKS = ['host', 'none'] as const;
const isPredefined = (name: string) => (PREDEFINED_NETWORKS as readonly string[]).includes(name);

export interface NetworkPruneResult { removed: string[] }

export class NetworkService {
  readonly #core: EngineCore;
  constructor(core: EngineCore) { this.#core = core; }

  // Rootless, networks are the user's own, their bridges in the user's rootless netns
  // (docs/rootless.md); the default network is slirp4netns's and is not listed.
  create(req: CreateNetworkRequest): Promise<NetworkInfo> {
    if (isPredefined(req.name)) return Promise.reject(new PredefinedNetworkError(`network with name ${req.name} already exists`));
    return createNetwork(req, netOpts(this.#core));
  }

  /** host or none: made up from the engine's root (a stable id per engine; created when the
   * root was), never stored. */
  #predefined(name: 'host' | 'none'): NetworkInfo {
    const root = this.#core.paths.root;
    let created = new Date(0).toISOString();
    try { created = statSync(root).birthtime.toISOString(); } catch { /* no root yet */ }
    return {
      name, id: createHash('sha256').update(`${root}\0${name}`).digest('hex'), driver: name === 'host' ? 'host' : 'null',
      bridge: '', subnet: '', gateway: '', internal: false, labels: {}, created,
    };
  }

  /** docker's network filters: name= (substring), id= (prefix), label=K[=V], driver=, type=
   * (builtin: the default network, host and none; custom: the others), scope=local,
   * dangling=true|false. */
  async list(filters: Filters = {}): Promise<NetworkInfo[]> {
    checkFilters(filters, NETWORK_FILTERS);
    const used = filters.dangling ? this.inUse() : new Set<string>();
    const all: NetworkInfo[] = [...await listNetworks(netOpts(this.#core)), ...PREDEFINED_NETWORKS.map((n) => this.#predefined(n))];
    return all.filter((n) => Object.entries(filters).every(([k, vals]) => (k === 'label' ? vals.every.bind(vals) : vals.some.bind(vals))((v: string) => {
      switch (k) {
        case 'name': return n.name.includes(v);
        case 'id': return n.id.startsWith(v);
        case 'label': return labelMatches(n.labels, v);
        case 'driver': return n.driver === v;
        case 'type': return (n.name === DEFAULT_NETWORK || isPredefined(n.name) ? 'builtin' : 'custom') === v;
        case 'scope': return v === 'local';
        default: return (!used.has(n.name) && n.name !== DEFAULT_NETWORK && !isPredefined(n.name)) === (v === 'true' || v === '1'); // dangling
      }
    })));
  }

  /** A network and its containers: for host and none, the containers in that network mode. */
  inspect(name: string): Promise<NetworkDetails> {
    if (name === 'host' || name === 'none') {
      const containers = this.#core.store.list().filter((r) => r.config.networkMode === name)
        .map((r) => ({ containerId: r.id, name: r.name, aliases: [], ips: [], mac: '' }));
      return Promise.resolve({ ...this.#predefined(name), containers });
    }
    return inspectNetwork(name, netOpts(this.#core));
  }

  remove(name: string): Promise<void> {
    if (isPredefined(name)) return Promise.reject(new PredefinedNetworkError(`${name} is a pre-defined network and cannot be removed`));
    return removeNetwork(name, netOpts(this.#core));
  }

  /** docker network connect NETWORK CONTAINER: as engine.containers.connect. */
  connect(network: string, ref: string, aliases: string[] = []): Promise<void> {
    return connect(this.#core, ref, network, aliases);
  }

  disconnect(network: string, ref: string): Promise<void> {
    return disconnect(this.#core, ref, network);
  }

  /** The default network, made if missing (network ls shows it from the first call). */
  ensureDefault(): Promise<NetworkInfo> {
    return ensureDefaultNetwork(netOpts(this.#core));
  }

  /** Networks no container (running or not) names, but the default one; until=/label= filters. */
  async prune(filters: Filters = {}): Promise<NetworkPruneResult> {
    const match = pruneMatcher(filters);
    const inUse = this.inUse();
    const removed: string[] = [];
    for (const n of await listNetworks(netOpts(this.#core))) {
      if (n.name === DEFAULT_NETWORK || inUse.has(n.name) || !match(n.created, n.labels)) continue;
      try { await removeNetwork(n.name, netOpts(this.#core)); removed.push(n.name); } catch { /* attached by someone else meanwhile */ }
    }
    return { removed };
  }

  /** Names of the networks some container of this engine is configured for. */
  private inUse(): Set<string> {
    return new Set(this.#core.store.list().flatMap((r) => [networkName(r.config.networkMode), r.config.networkMode, ...(r.config.extraNetworks ?? [])]));
  }
}
