// Volumes: create (named or anonymous, labels), list (filters), inspect, delete, prune.
import { randomBytes } from 'node:crypto';
import type { VolumeRecord } from '../engine/index.ts';
import { matchesVolume, NoSuchVolumeError, pruneVolumes } from '../engine/index.ts';
import type { ApiContext } from './context.ts';
import { badRequest } from './errors.ts';
import { body, str, strMap } from './validate.ts';

const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

export function volumeJSON(v: VolumeRecord) {
  return { Name: v.name, Driver: v.driver, Mountpoint: v.mountpoint, CreatedAt: v.created, Labels: v.labels, Scope: 'local', Options: {} };
}

export async function listVolumes(ctx: ApiContext): Promise<void> {
  const filters = ctx.filters();
  const vols = ctx.engine.store.volumes().filter((v) => matchesVolume(ctx.engine, v, filters));
  ctx.sendJSON(200, { Volumes: vols.map(volumeJSON), Warnings: [] });
}

export async function createVolume(ctx: ApiContext): Promise<void> {
  const b = body((await ctx.json()) ?? {}, 'VolumeCreateOptions');
  const driver = str(b, 'Driver', 'VolumeCreateOptions.Driver') ?? 'local';
  if (driver !== 'local' && driver !== '') throw badRequest(`volume driver "${driver}" is not supported: berth has the local driver only`);
  const opts = strMap(b, 'DriverOpts', 'VolumeCreateOptions.DriverOpts') ?? {};
  if (Object.keys(opts).length) throw badRequest(`volume options are not supported by berth's local driver: ${Object.keys(opts).join(', ')}`);
  const given = str(b, 'Name', 'VolumeCreateOptions.Name');
  if (given && !NAME_RE.test(given)) throw badRequest(`"${given}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed`);
  const name = given || randomBytes(32).toString('hex');
  const v = ctx.engine.store.ensureVolume(name, strMap(b, 'Labels', 'VolumeCreateOptions.Labels') ?? {}, !given);
  ctx.sendJSON(201, volumeJSON(v));
}

export async function inspectVolume(ctx: ApiContext): Promise<void> {
  const v = ctx.engine.store.volume(ctx.params.name);
  if (!v) throw new NoSuchVolumeError(ctx.params.name);
  ctx.sendJSON(200, volumeJSON(v));
}

export async function removeVolume(ctx: ApiContext): Promise<void> {
  await ctx.engine.removeVolume(ctx.params.name, ctx.flag('force'));
  ctx.sendStatus(204);
}

/** POST /volumes/prune: the engine chooses (unused; anonymous only unless all=true). */
export async function pruneVolumesHandler(ctx: ApiContext): Promise<void> {
  const deleted = await pruneVolumes(ctx.engine, ctx.filters());
  ctx.sendJSON(200, { VolumesDeleted: deleted, SpaceReclaimed: 0 });
}
