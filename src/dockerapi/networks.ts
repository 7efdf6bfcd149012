// Networks: create (bridge, IPAM subnet/gateway, internal, labels), list, inspect (with the
// containers attached), delete, connect, disconnect. The default network is docker's `bridge`;
// host and none are the engine's too (no subnet: an empty IPAM config, as docker's).
import { DEFAULT_NETWORK, type NetworkDetails, type NetworkInfo } from '../engine/index.ts';
import type { ApiContext } from './context.ts';
import { badRequest, conflict, HttpError } from './errors.ts';
import { body, bool, obj, str, strList, strMap, type Obj } from './validate.ts';

/** docker calls the default network `bridge`; the engine calls it DEFAULT_NETWORK. */
const toEngine = (name: string) => (name === 'bridge' ? DEFAULT_NETWORK : name);
const toDocker = (name: string) => (name === DEFAULT_NETWORK ? 'bridge' : name);

export function networkJSON(n: NetworkInfo, containers: NetworkDetails['containers'] | undefined) {
  return {
    Name: toDocker(n.name), Id: n.id, Created: n.created, Scope: 'local', Driver: n.driver, EnableIPv6: false,
    IPAM: { Driver: 'default', Options: {}, Config: n.subnet ? [{ Subnet: n.subnet, ...(n.internal ? {} : { Gateway: n.gateway }) }] : [] },
    Internal: n.internal, Attachable: false, Ingress: false, ConfigFrom: { Network: '' }, ConfigOnly: false,
    Containers: Object.fromEntries((containers ?? []).map((c) => [c.containerId, {
      Name: c.name, EndpointID: `${c.containerId.slice(0, 32)}${n.id.slice(0, 32)}`, MacAddress: c.mac, IPv4Address: c.ips[0] ?? '', IPv6Address: '',
    }])),
    Options: n.mtu ? { 'com.docker.network.driver.mtu': String(n.mtu) } : {}, Labels: n.labels,
  };
}

export async function listNetworksHandler(ctx: ApiContext): Promise<void> {
  // The engine knows the default network by its own name.
  const filters = ctx.filters();
  if (filters.name) filters.name = filters.name.map(toEngine);
  const nets = await ctx.engine.networks.list(filters);
  ctx.sendJSON(200, nets.map((n) => networkJSON(n, undefined)));
}

export async function inspectNetworkHandler(ctx: ApiContext): Promise<void> {
  const d = await findNetwork(ctx, ctx.params.id);
  ctx.sendJSON(200, networkJSON(d, d.containers));
}

/** A network by name, full id or id prefix (as docker resolves them). */
async function findNetwork(ctx: ApiContext, ref: string): Promise<NetworkDetails> {
  const name = toEngine(ref);
  const all = await ctx.engine.networks.list();
  const hit = all.find((n) => n.name === name) ?? all.find((n) => n.id === ref) ?? all.filter((n) => n.id.startsWith(ref)).at(0);
  return ctx.engine.networks.inspect(hit?.name ?? name);
}

export async function createNetworkHandler(ctx: ApiContext): Promise<void> {
  const b = body(await ctx.json(), 'NetworkCreateRequest');
  const name = str(b, 'Name', 'NetworkCreateRequest.Name');
  if (!name) throw badRequest('network name is required');
  const driver = str(b, 'Driver', 'NetworkCreateRequest.Driver') ?? 'bridge';
  if (driver !== 'bridge' && driver !== '') throw badRequest(`plugin "${driver}" not found: berth has the bridge driver only`);
  if (name === 'bridge' || name === 'host' || name === 'none') throw conflict(`network with name ${name} already exists`);
  const ipam = obj(b, 'IPAM', 'NetworkCreateRequest.IPAM');
  const configs = ipam?.Config;
  if (configs !== undefined && configs !== null && !Array.isArray(configs)) throw badRequest('json: cannot unmarshal object into Go struct field IPAM.Config of type []network.IPAMConfig');
  const first = ((configs as unknown[] | undefined) ?? [])[0] as Obj | undefined;
  if (((configs as unknown[] | undefined) ?? []).length > 1) throw badRequest('berth networks take one IPv4 subnet');
  const subnet = str(first, 'Subnet', 'IPAMConfig.Subnet');
  const gateway = str(first, 'Gateway', 'IPAMConfig.Gateway');
  const opts = strMap(b, 'Options', 'NetworkCreateRequest.Options') ?? {};
  const mtu = opts['com.docker.network.driver.mtu'];
  if (bool(b, 'EnableIPv6', 'NetworkCreateRequest.EnableIPv6')) throw badRequest('IPv6 networks are not supported by berth');
  if (bool(b, 'CheckDuplicate', 'NetworkCreateRequest.CheckDuplicate') === false) { /* names are unique in berth regardless */ }
  const info = await ctx.engine.networks.create({
    name, driver: 'bridge', labels: strMap(b, 'Labels', 'NetworkCreateRequest.Labels') ?? {}, internal: bool(b, 'Internal', 'NetworkCreateRequest.Internal') ?? false,
    ...(subnet ? { subnet } : {}), ...(gateway ? { gateway } : {}), ...(mtu ? { mtu: Number(mtu) } : {}),
  });
  ctx.sendJSON(201, { Id: info.id, Warning: '' });
}

export async function removeNetworkHandler(ctx: ApiContext): Promise<void> {
  const d = await findNetwork(ctx, ctx.params.id);
  if (d.name === DEFAULT_NETWORK) throw new HttpError(403, 'bridge is a pre-defined network and cannot be removed');
  await ctx.engine.networks.remove(d.name);
  ctx.sendStatus(204);
}

export async function connectNetworkHandler(ctx: ApiContext): Promise<void> {
  const b = body(await ctx.json(), 'NetworkConnectRequest');
  const container = str(b, 'Container', 'NetworkConnectRequest.Container');
  if (!container) throw badRequest('Container is required');
  const ep = obj(b, 'EndpointConfig', 'NetworkConnectRequest.EndpointConfig');
  const d = await findNetwork(ctx, ctx.params.id);
  await ctx.engine.networks.connect(d.name, container, strList(ep, 'Aliases', 'EndpointConfig.Aliases') ?? []);
  ctx.sendStatus(200);
}

export async function disconnectNetworkHandler(ctx: ApiContext): Promise<void> {
  const b = body(await ctx.json(), 'NetworkDisconnectRequest');
  const container = str(b, 'Container', 'NetworkDisconnectRequest.Container');
  if (!container) throw badRequest('Container is required');
  const d = await findNetwork(ctx, ctx.params.id);
  await ctx.engine.networks.disconnect(d.name, container);
  ctx.sendStatus(200);
}
