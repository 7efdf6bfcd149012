// Volumes: create (named or anonymous, labels), list (filters), inspect, delete, prune.
import type { VolumeRecord } from '../engine/index.ts';
import type { ApiContext } from './context.ts';
import { body, str, strMap } from './validate.ts';

export function volumeJSON(v: VolumeRecord) {
  return { Name: v.name, Driver: v.driver, Mountpoint: v.mountpoint, CreatedAt: v.created, Labels: v.labels, Scope: 'local', Options: {} };
}

export async function listVolumes(ctx: ApiContext): Promise<void> {
  const vols = ctx.engine.volumes.list(ctx.filters());
  ctx.sendJSON(200, { Volumes: vols.map(volumeJSON), Warnings: [] });
}

export async function createVolume(ctx: ApiContext): Promise<void> {
  const b = body((await ctx.json()) ?? {}, 'VolumeCreateOptions');
  const name = str(b, 'Name', 'VolumeCreateOptions.Name');
  const driver = str(b, 'Driver', 'VolumeCreateOptions.Driver');
  const options = strMap(b, 'DriverOpts', 'VolumeCreateOptions.DriverOpts');
  const v = ctx.engine.volumes.create({ ...(name ? { name } : {}), ...(driver ? { driver } : {}), ...(options ? { options } : {}), labels: strMap(b, 'Labels', 'VolumeCreateOptions.Labels') ?? {} });
  ctx.sendJSON(201, volumeJSON(v));
}

export async function inspectVolume(ctx: ApiContext): Promise<void> {
  ctx.sendJSON(200, volumeJSON(ctx.engine.volumes.inspect(ctx.params.name)));
}

export async function removeVolume(ctx: ApiContext): Promise<void> {
  await ctx.engine.volumes.remove(ctx.params.name, { force: ctx.flag('force') });
  ctx.sendStatus(204);
}

/** POST /volumes/prune: the engine chooses (unused; anonymous only unless all=true). */
export async function pruneVolumesHandler(ctx: ApiContext): Promise<void> {
  const r = await ctx.engine.volumes.prune({ filters: ctx.filters() });
  ctx.sendJSON(200, { VolumesDeleted: r.removed, SpaceReclaimed: r.spaceReclaimed });
}
