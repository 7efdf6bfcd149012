// /events (the engine's event log, streamed), /system/df, /auth, and the prune endpoints.
import type { EngineEvent } from '../engine/index.ts';
import { parseSince } from '../engine/index.ts';
import { containerSummary } from './container-json.ts';
import type { ApiContext } from './context.ts';
import { badRequest } from './errors.ts';
import { imageSummaries } from './images.ts';
import { body, str } from './validate.ts';
import { volumeJSON } from './volumes.ts';

/** docker's events message: a container's, or a network's for connect/disconnect. */
export function eventJSON(e: EngineEvent) {
  const ns = BigInt(Date.parse(e.time)) * 1_000_000n;
  const time = { scope: 'local', time: Number(ns / 1_000_000_000n), timeNano: Number(ns) };
  if ((e.action === 'connect' || e.action === 'disconnect') && e.network) {
    return { Type: 'network', Action: e.action, Actor: { ID: e.network, Attributes: { container: e.id, name: e.network, type: 'bridge' } }, ...time };
  }
  const attrs: Record<string, string> = { name: e.name, ...(e.exitCode !== undefined ? { exitCode: String(e.exitCode) } : {}) };
  return { status: e.action, id: e.id, Type: 'container', Action: e.action, Actor: { ID: e.id, Attributes: attrs }, ...time };
}

function timeParam(ctx: ApiContext, name: string): bigint | undefined {
  const v = ctx.query.get(name);
  if (!v) return undefined;
  try { return parseSince(v); } catch (e) { throw badRequest(`invalid value for "${name}": ${(e as Error).message}`); }
}

/** Without `since`, only events from now on (docker's); without `until`, it follows. */
export async function events(ctx: ApiContext): Promise<void> {
  const sinceNs = timeParam(ctx, 'since') ?? BigInt(Date.now()) * 1_000_000n;
  const untilNs = timeParam(ctx, 'until');
  const follow = untilNs === undefined || untilNs > BigInt(Date.now()) * 1_000_000n;
  const it = ctx.engine.system.events({ sinceNs, ...(untilNs !== undefined ? { untilNs } : {}), filters: ctx.filters(), follow, signal: ctx.signal });
  // The first read checks the filters (a 400 before the 200).
  const first = await it.next();
  const res = ctx.stream('application/json');
  if (!first.done) res.write(`${JSON.stringify(eventJSON(first.value))}\n`);
  for await (const e of it) {
    if (res.destroyed) break;
    res.write(`${JSON.stringify(eventJSON(e))}\n`);
  }
  res.end();
}

export async function systemDf(ctx: ApiContext): Promise<void> {
  const e = ctx.engine;
  const df = await e.system.df();
  const images = imageSummaries(await e.images.list({}));
  ctx.sendJSON(200, {
    LayersSize: df.images.size,
    Images: images.map((i) => ({ ...i, Containers: df.imageContainers[i.Id] ?? 0 })),
    Containers: df.containerRecords.map((c) => ({ ...containerSummary(c), SizeRw: df.containerSizes[c.id]?.rw ?? 0, SizeRootFs: df.containerSizes[c.id]?.rootFs ?? 0 })),
    Volumes: df.volumeRecords.map((v) => ({ ...volumeJSON(v), UsageData: { Size: df.volumeSizes[v.name] ?? -1, RefCount: df.volumeContainers[v.name] ?? 0 } })),
    BuildCache: [],
  });
}

export async function auth(ctx: ApiContext): Promise<void> {
  const b = body(await ctx.json(), 'AuthConfig');
  const username = str(b, 'username', 'AuthConfig.username') ?? '';
  const password = str(b, 'password', 'AuthConfig.password') ?? '';
  const server = str(b, 'serveraddress', 'AuthConfig.serveraddress') || undefined;
  if (!username) throw badRequest('username is required');
  await ctx.engine.images.login(server, { username, password });
  ctx.sendJSON(200, { Status: 'Login Succeeded', IdentityToken: '' });
}

export async function pruneContainers(ctx: ApiContext): Promise<void> {
  const r = await ctx.engine.containers.prune(ctx.filters());
  ctx.sendJSON(200, { ContainersDeleted: r.removed, SpaceReclaimed: r.spaceReclaimed });
}

export async function pruneImages(ctx: ApiContext): Promise<void> {
  const filters = ctx.filters();
  // dangling=false: every unused image (docker image prune -a).
  const all = (filters.dangling ?? []).some((v) => v === 'false' || v === '0');
  delete filters.dangling;
  const r = await ctx.engine.images.prune({ all, filters });
  ctx.sendJSON(200, { ImagesDeleted: r.events.map((ev) => ('untagged' in ev ? { Untagged: ev.untagged } : { Deleted: ev.deleted })), SpaceReclaimed: r.spaceReclaimed });
}

export async function pruneNetworks(ctx: ApiContext): Promise<void> {
  const r = await ctx.engine.networks.prune(ctx.filters());
  ctx.sendJSON(200, { NetworksDeleted: r.removed });
}
