// docker network connect/disconnect of a container (at once when it runs: CNI ADD/DEL in its
// netns, its peers' hosts files and its own rewritten), and rename.
import type { EngineCore } from '../core.ts';
import { EngineError, InvalidNameError, PredefinedNetworkError } from '../errors.ts';
import { attachOne, detachNetworks, netOpts, networkName, refreshPeerHosts, writeEtcFiles } from '../netglue.ts';
import { NAME_RE } from './create.ts';

/** host and none are a container's network mode, chosen at create, never joined or left later. */
function refusePredefined(network: string): void {
  if (network === 'host' || network === 'none') throw new PredefinedNetworkError(`container cannot be disconnected from ${network} network or connected to ${network} network`);
}

export function connect(core: EngineCore, ref: string, network: string, aliases: string[] = []): Promise<void> {
  refusePredefined(network);
  return core.locked(ref, async (rec) => {
    const c = rec.config;
    if (c.networkMode === 'host' || c.networkMode === 'none') throw new EngineError(`container sharing network namespace with ${c.networkMode} cannot be connected to networks`);
    if (core.rootless() && (c.networkMode === 'bridge' || c.networkMode === 'pasta')) {
      throw new EngineError(`rootless: ${rec.name} is on ${c.networkMode === 'pasta' ? 'pasta' : 'the default network (slirp4netns)'}, which has no bridge to join others from; create it with --network ${network} instead`);
    }
    const { inspectNetwork } = await import('../../network/index.ts');
    await inspectNetwork(network, netOpts(core)).catch(() => { throw new EngineError(`network ${network} not found`); });
    if (networkName(c.networkMode) === network || c.extraNetworks?.includes(network)) throw new EngineError(`endpoint with name ${rec.name} already exists in network ${network}`);
    c.extraNetworks = [...(c.extraNetworks ?? []), network];
    for (const a of aliases) if (!c.networkAliases.includes(a)) c.networkAliases.push(a);
    if (rec.state.status === 'running') {
      await attachOne(core, rec, network);
      refreshPeerHosts(core, [network], rec.id);
      writeEtcFiles(core, rec);
    }
    core.store.saveConfig(rec.id, c);
  });
}

export function disconnect(core: EngineCore, ref: string, network: string): Promise<void> {
  refusePredefined(network);
  return core.locked(ref, async (rec) => {
    const c = rec.config;
    if (networkName(c.networkMode) === network) {
      // docker allows it; the container keeps running with no interface on that network.
      c.networkMode = 'none';
    } else if (c.extraNetworks?.includes(network)) {
      c.extraNetworks = c.extraNetworks.filter((n) => n !== network);
    } else {
      throw new EngineError(`container ${rec.id} is not connected to network ${network}`);
    }
    if (rec.state.status === 'running') {
      await detachNetworks(core, rec, network);
      core.store.saveState(rec.id, rec.state);
      refreshPeerHosts(core, [network], rec.id);
      writeEtcFiles(core, rec);
    }
    core.store.saveConfig(rec.id, c);
  });
}

export function rename(core: EngineCore, ref: string, name: string): void {
  const clean = name.replace(/^\//, '');
  if (!NAME_RE.test(clean)) throw new InvalidNameError(name);
  core.store.rename(core.store.resolve(ref).id, clean);
}
