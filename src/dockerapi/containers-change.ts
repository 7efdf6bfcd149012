// rename, update (resources and restart policy), and commit (a new image from a container).
import type { ResourceUpdate } from '../engine/index.ts';
import { bodyChanges, parseChanges } from './config-changes.ts';
import type { ApiContext } from './context.ts';
import { badRequest } from './errors.ts';
import { body, int, obj, str } from './validate.ts';

export async function renameContainer(ctx: ApiContext): Promise<void> {
  const name = ctx.query.get('name');
  if (!name) throw badRequest('name is required');
  ctx.engine.containers.rename(ctx.params.id, name.replace(/^\//, ''));
  ctx.sendStatus(204);
}

export async function updateContainer(ctx: ApiContext): Promise<void> {
  const b = body(await ctx.json(), 'UpdateConfig');
  const u: ResourceUpdate = {};
  const memory = int(b, 'Memory', 'UpdateConfig.Memory');
  if (memory) u.memory = memory;
  const swap = int(b, 'MemorySwap', 'UpdateConfig.MemorySwap');
  if (swap) u.memorySwap = swap;
  const nano = int(b, 'NanoCpus', 'UpdateConfig.NanoCpus');
  const quota = int(b, 'CpuQuota', 'UpdateConfig.CpuQuota'), period = int(b, 'CpuPeriod', 'UpdateConfig.CpuPeriod');
  if (nano) u.cpus = nano / 1e9;
  else if (quota && quota > 0) u.cpus = quota / (period && period > 0 ? period : 100_000);
  const pids = int(b, 'PidsLimit', 'UpdateConfig.PidsLimit');
  if (pids !== undefined) u.pidsLimit = pids;
  const rp = obj(b, 'RestartPolicy', 'UpdateConfig.RestartPolicy');
  const name = str(rp, 'Name', 'RestartPolicy.Name');
  if (name) {
    if (!['no', 'always', 'on-failure', 'unless-stopped'].includes(name)) throw badRequest(`invalid restart policy '${name}'`);
    u.restart = { name: name as 'no', maximumRetryCount: int(rp, 'MaximumRetryCount', 'RestartPolicy.MaximumRetryCount') ?? 0 };
  }
  await ctx.engine.containers.update(ctx.params.id, u);
  ctx.sendJSON(200, { Warnings: [] });
}

/** POST /commit?container=&repo=&tag=&author=&comment=&pause=&changes=: the image gets the
 * container's config, with the body's Config fields and then the `changes` (Dockerfile
 * instructions: docker commit --change) applied by the engine. */
export async function commitContainer(ctx: ApiContext): Promise<void> {
  const container = ctx.query.get('container');
  if (!container) throw badRequest('container is required');
  const repo = ctx.query.get('repo');
  if (!repo) throw badRequest('berth names every image: repo is required');
  const tag = ctx.query.get('tag') || 'latest';
  const author = ctx.query.get('author'), comment = ctx.query.get('comment');
  const changes = [...bodyChanges(await ctx.json()), ...parseChanges(ctx.query.getAll('changes'))];
  const id = await ctx.engine.containers.commit(container, {
    reference: `${repo}:${tag}`, pause: ctx.flag('pause', true), ...(author ? { author } : {}), ...(comment ? { message: comment } : {}), changes,
  });
  ctx.sendJSON(201, { Id: id });
}
