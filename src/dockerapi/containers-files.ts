// The container's files: the archive endpoints `docker cp` uses (GET a path as a tar, HEAD its
// stat, PUT a tar into a directory), export (the whole filesystem as a tar) and changes.
import type { PathStat } from '../engine/index.ts';
import type { ApiContext } from './context.ts';
import { badRequest } from './errors.ts';

function statHeader(s: PathStat): string {
  return Buffer.from(JSON.stringify(s)).toString('base64');
}

function pathParam(ctx: ApiContext): string {
  const p = ctx.query.get('path');
  if (!p) throw badRequest('path is required');
  return p;
}

export async function headArchive(ctx: ApiContext): Promise<void> {
  const stat = ctx.engine.containers.statPath(ctx.params.id, pathParam(ctx));
  ctx.res!.writeHead(200, { 'X-Docker-Container-Path-Stat': statHeader(stat), 'Content-Type': 'application/x-tar', 'Content-Length': '0' });
  ctx.res!.end();
}

export async function getArchive(ctx: ApiContext): Promise<void> {
  const a = ctx.engine.containers.archive(ctx.params.id, pathParam(ctx));
  ctx.res!.setHeader('X-Docker-Container-Path-Stat', statHeader(a.stat));
  const res = ctx.stream('application/x-tar');
  a.stream.pipe(res);
  ctx.signal.addEventListener('abort', () => a.stream.destroy(), { once: true });
  try { await a.done; } catch { res.destroy(); }
}

export async function putArchive(ctx: ApiContext): Promise<void> {
  await ctx.engine.containers.extract(ctx.params.id, pathParam(ctx), ctx.req, { noOverwriteDirNonDir: ctx.flag('noOverwriteDirNonDir'), copyUIDGID: ctx.flag('copyUIDGID') });
  ctx.sendStatus(200);
}

export async function exportContainer(ctx: ApiContext): Promise<void> {
  const x = ctx.engine.containers.export(ctx.params.id);
  const res = ctx.stream('application/x-tar');
  x.stream!.pipe(res);
  ctx.signal.addEventListener('abort', () => x.stream!.destroy(), { once: true });
  try { await x.done; } catch { res.destroy(); }
}

/** GET /containers/{id}/changes: docker's [{Path, Kind}] (0 changed, 1 added, 2 deleted). */
export async function containerChanges(ctx: ApiContext): Promise<void> {
  ctx.sendJSON(200, ctx.engine.containers.changes(ctx.params.id).map((c) => ({ Path: c.path, Kind: c.kind })));
}
