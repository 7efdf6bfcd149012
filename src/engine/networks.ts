// engine.networks: src/network's bridge networks under the engine's state root, with docker's
// filters and prune (networks no container uses). connect/disconnect are the container
// service's (under the container's lock), offered here too in docker's network-first order.
import {
  createNetwork, ensureDefaultNetwork, inspectNetwork, listNetworks, removeNetwork, DEFAULT_NETWORK,
  type CreateNetworkRequest, type NetworkDetails, type NetworkInfo,
} from '../network/index.ts';
import { connect, disconnect } from './containers/connect.ts';
import type { EngineCore } from './core.ts';
import { checkFilters, labelMatches, pruneMatcher } from './filters.ts';
import { netOpts, networkName } from './netglue.ts';
import type { Filters } from './requests.ts';

const NETWORK_FILTERS = ['name', 'id', 'label', 'driver', 'type', 'scope', 'dangling'];

export interface NetworkPruneResult { removed: string[] }

export class NetworkService {
  readonly #core: EngineCore;
  constructor(core: EngineCore) { this.#core = core; }

  // Rootless, networks are the user's own, their bridges in the user's rootless netns
  // (docs/rootless.md); the default network is slirp4netns's and is not listed.
  create(req: CreateNetworkRequest): Promise<NetworkInfo> {
    return createNetwork(req, netOpts(this.#core));
  }

  /** docker's network filters: name= (substring), id= (prefix), label=K[=V], driver=, type=
   * (builtin: the default network; custom: the others), scope=local, dangling=true|false. */
  async list(filters: Filters = {}): Promise<NetworkInfo[]> {
    checkFilters(filters, NETWORK_FILTERS);
    const used = filters.dangling ? this.inUse() : new Set<string>();
    return (await listNetworks(netOpts(this.#core))).filter((n) => Object.entries(filters).every(([k, vals]) => (k === 'label' ? vals.every.bind(vals) : vals.some.bind(vals))((v: string) => {
      switch (k) {
        case 'name': return n.name.includes(v);
        case 'id': return n.id.startsWith(v);
        case 'label': return labelMatches(n.labels, v);
        case 'driver': return n.driver === v;
        case 'type': return (n.name === DEFAULT_NETWORK ? 'builtin' : 'custom') === v;
        case 'scope': return v === 'local';
        default: return (!used.has(n.name) && n.name !== DEFAULT_NETWORK) === (v === 'true' || v === '1'); // dangling
      }
    })));
  }

  inspect(name: string): Promise<NetworkDetails> {
    return inspectNetwork(name, netOpts(this.#core));
  }

  remove(name: string): Promise<void> {
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
