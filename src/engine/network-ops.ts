// Networks for the fronts, under the engine's roots (the network layer's operations with the
// engine's state options): create, list, inspect, remove, connect, disconnect.
import { createNetwork, inspectNetwork, listNetworks, removeNetwork, DEFAULT_NETWORK, type CreateNetworkRequest, type NetworkDetails, type NetworkInfo } from '../network/index.ts';
import type { Engine } from './engine.ts';
import { netOpts } from './netglue.ts';

export type { CreateNetworkRequest, NetworkDetails, NetworkInfo };
export { DEFAULT_NETWORK };

export const networkCreate = (e: Engine, req: CreateNetworkRequest) => createNetwork(req, netOpts(e));
export const networkList = (e: Engine) => listNetworks(netOpts(e));
export const networkInspect = (e: Engine, name: string) => inspectNetwork(name, netOpts(e));
export const networkRemove = (e: Engine, name: string) => removeNetwork(name, netOpts(e));
