// Images: create (pull, with docker's JSON progress stream), list, inspect, history, tag,
// push, delete. The image layer does the work (through the engine's exports); this shapes it.
import { createProgress, type Credentials, type ImageSummary } from '../engine/index.ts';
import { parseChanges } from './config-changes.ts';
import type { ApiContext } from './context.ts';
import { badRequest, HttpError } from './errors.ts';
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { errorMessage, statusMessage, streamMessage } from './jsonmessage.ts';

/** X-Registry-Auth: base64url JSON {username, password, identitytoken, serveraddress}. */
export function registryAuth(header: string | string[] | undefined): Credentials | undefined {
  const h = Array.isArray(header) ? header[0] : header;
  if (!h) return undefined;
  let o: Record<string, unknown>;
  try { o = JSON.parse(Buffer.from(h.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8')) as Record<string, unknown>; } catch {
    throw badRequest('X-Registry-Auth: not base64-encoded JSON');
  }
  if (!o || typeof o !== 'object') return undefined;
  const username = typeof o.username === 'string' ? o.username : '';
  const password = typeof o.password === 'string' ? o.password : '';
  const token = typeof o.identitytoken === 'string' ? o.identitytoken : '';
  if (!username && !token) return undefined;
  return { username, password, ...(token ? { identityToken: token } : {}) };
}

function refOf(from: string, tag: string): string {
  if (tag) return tag.startsWith('sha256:') ? `${from}@${tag}` : `${from}:${tag}`;
  const last = from.slice(from.lastIndexOf('/') + 1);
  return last.includes(':') || from.includes('@') ? from : `${from}:latest`;
}

/** POST /images/create?fromImage=NAME&tag=TAG: pulls. The answer is a 200 JSON stream whose
 * last message carries the error, if any (the status is out before the pull starts). */
export async function createImage(ctx: ApiContext): Promise<void> {
  const from = ctx.query.get('fromImage');
  if (!from) {
    if (ctx.query.get('fromSrc')) return importImage(ctx, ctx.query.get('fromSrc')!);
    throw badRequest('fromImage is required');
  }
  const ref = refOf(from, ctx.query.get('tag') ?? '');
  const credentials = registryAuth(ctx.req.headers['x-registry-auth']);
  const platform = ctx.query.get('platform') || undefined;
  const res = ctx.stream('application/json');
  const progress = createProgress({ mode: 'json', out: res });
  try {
    await ctx.engine.images.pull(ref, { progress, ...(platform ? { platform } : {}), ...(credentials ? { credentials } : {}) });
  } catch (e) {
    res.write(errorMessage((e as Error).message));
  } finally {
    progress.close();
  }
  res.end();
}

/** POST /images/create?fromSrc=-&repo=NAME&tag=TAG&message=M: docker import of the body (a
 * root filesystem tar, plain or gzip), staged then imported by the engine; fromSrc=URL (http
 * or https): the engine downloads it; `changes` (import --change) make its config. The answer
 * is a JSON stream whose status is the new image's ID. */
async function importImage(ctx: ApiContext, src: string): Promise<void> {
  const changes = parseChanges(ctx.query.getAll('changes'));
  const repo = ctx.query.get('repo') ?? '';
  const reference = repo ? refOf(repo, ctx.query.get('tag') ?? '') : '';
  const message = { ...(ctx.query.get('message') ? { message: ctx.query.get('message')! } : {}), ...(changes.length ? { changes } : {}) };
  if (src !== '-') {
    if (!/^https?:\/\/[^/]/i.test(src)) throw badRequest(`fromSrc: ${JSON.stringify(src)} is neither - (the body) nor an http or https URL`);
    ctx.req.resume();
    const r = await ctx.engine.images.import(src, { reference, ...message, signal: ctx.signal });
    const res = ctx.stream('application/json');
    res.write(statusMessage(r.id));
    res.end();
    return;
  }
  const dir = mkdtempSync(join(ctx.engine.images.tmpDir(), 'import-'));
  try {
    const file = join(dir, 'rootfs.tar');
    await pipeline(ctx.req, createWriteStream(file)).catch((e: Error) => { throw badRequest(`reading the tarball: ${e.message}`); });
    const r = await ctx.engine.images.import(file, { reference, ...message });
    const res = ctx.stream('application/json');
    res.write(statusMessage(r.id));
    res.end();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One docker ImageSummary per image (the layer's rows are per name). */
export function imageSummaries(rows: ImageSummary[]) {
  const byId = new Map<string, ImageSummary>();
  for (const r of rows) if (!byId.has(r.id)) byId.set(r.id, r);
  return [...byId.values()].map((r) => ({
    Id: r.id, ParentId: '', RepoTags: r.tags, RepoDigests: r.digests, Created: Math.floor(Date.parse(r.created) / 1000),
    Size: r.size, SharedSize: -1, VirtualSize: r.size, Labels: r.labels, Containers: -1,
  }));
}

export async function listImagesHandler(ctx: ApiContext): Promise<void> {
  const legacy = ctx.query.get('filter') ?? undefined;
  const rows = await ctx.engine.images.list({ filters: ctx.filters(), ...(legacy ? { reference: legacy } : {}), all: ctx.flag('all') });
  ctx.sendJSON(200, imageSummaries(rows));
}

export async function inspectImageHandler(ctx: ApiContext): Promise<void> {
  const doc = await ctx.engine.images.inspect(ctx.params.name);
  const { Descriptor: _d, ...docker } = doc;
  ctx.sendJSON(200, { ...docker, Container: '', ContainerConfig: null, VirtualSize: doc.Size });
}

export async function imageHistoryHandler(ctx: ApiContext): Promise<void> {
  const items = await ctx.engine.images.history(ctx.params.name);
  ctx.sendJSON(200, items.map((h) => ({ Id: h.id, Created: Math.floor(Date.parse(h.created) / 1000) || 0, CreatedBy: h.createdBy, Tags: null, Size: h.size, Comment: h.comment })));
}

export async function tagImageHandler(ctx: ApiContext): Promise<void> {
  const repo = ctx.query.get('repo');
  if (!repo) throw badRequest('repository name must have at least one component');
  await ctx.engine.images.tag(ctx.params.name, refOf(repo, ctx.query.get('tag') ?? ''));
  ctx.sendStatus(201);
}

export async function removeImageHandler(ctx: ApiContext): Promise<void> {
  const r = await ctx.engine.images.remove(ctx.params.name, { force: ctx.flag('force') });
  ctx.sendJSON(200, r.events.map((ev) => ('untagged' in ev ? { Untagged: ev.untagged } : { Deleted: ev.deleted })));
}

/** POST /images/{name}/push?tag=: the JSON progress stream, as pull's. */
export async function pushImageHandler(ctx: ApiContext): Promise<void> {
  const tag = ctx.query.get('tag') ?? '';
  const ref = tag ? `${ctx.params.name}:${tag}` : ctx.params.name;
  const credentials = registryAuth(ctx.req.headers['x-registry-auth']);
  const res = ctx.stream('application/json');
  const progress = createProgress({ mode: 'json', out: res });
  try {
    const pushed = await ctx.engine.images.push(ref, { progress, ...(credentials ? { credentials } : {}) });
    res.write(statusMessage(`${tag || 'latest'}: digest: ${pushed.digest} size: ${pushed.size}`));
  } catch (e) {
    res.write(errorMessage((e as Error).message));
  } finally {
    progress.close();
  }
  res.end();
}

/** GET /images/get?names=A&names=B and /images/{name}/get: a docker-archive tar of them
 * (staged in the store's scratch directory, then streamed and removed). */
export async function saveImages(ctx: ApiContext): Promise<void> {
  const names = ctx.params.name ? [ctx.params.name] : ctx.query.getAll('names');
  if (!names.length) throw badRequest('names is required');
  const dir = mkdtempSync(join(ctx.engine.images.tmpDir(), 'save-'));
  try {
    const file = join(dir, 'images.tar');
    await ctx.engine.images.save(names, file);
    const res = ctx.stream('application/x-tar');
    await pipeline(createReadStream(file), res).catch(() => res.destroy());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** POST /images/load: the body (a docker-archive or OCI tar) staged, then loaded; docker's
 * JSON messages ("Loaded image: NAME"; quiet only silences progress, which there is none of). */
export async function loadImages(ctx: ApiContext): Promise<void> {
  const dir = mkdtempSync(join(ctx.engine.images.tmpDir(), 'load-'));
  try {
    const file = join(dir, 'images.tar');
    await pipeline(ctx.req, createWriteStream(file)).catch((e: Error) => { throw badRequest(`reading the archive: ${e.message}`); });
    const r = await ctx.engine.images.load(file);
    const res = ctx.stream('application/json');
    for (const m of r.messages) res.write(streamMessage(`${m}\n`));
    res.end();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** GET /images/search: berth has no registry search (registries' /v2 API has none either). */
export async function searchImages(ctx: ApiContext): Promise<void> {
  if (!ctx.query.get('term')) throw badRequest('term is required');
  throw new HttpError(501, 'image search is not supported by berth: registries offer no search in their v2 API; use the registry\'s own interface');
}
