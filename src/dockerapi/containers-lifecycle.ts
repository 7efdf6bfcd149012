// start, stop, restart, kill, pause, unpause, wait, delete, resize, rename: each one engine call;
// 304 for a start or stop with nothing to do, as docker answers.
import { resizeTty, type ContainerRecord, type WaitCondition } from '../engine/index.ts';
import type { ApiContext } from './context.ts';
import { badRequest, conflict, notFound } from './errors.ts';

export async function startContainer(ctx: ApiContext): Promise<void> {
  const e = ctx.engine.containers;
  const rec = e.get(ctx.params.id);
  if (rec.state.status === 'running') { ctx.sendStatus(304); return; }
  const pending = ctx.server.pendingStdin.get(rec.id);
  try {
    // removeHere: an AutoRemove container is removed by berthd once it exits, as a foreground
    // `berth run` does (the engine's handoff): no exit-command process to start, so `docker run
    // --rm`'s wait for the removal ends sooner. The start begun at create is taken over.
    await e.start(rec.id, {
      // Stdin attaches that came before the start connect now, before the process runs.
      beforeStart: pending?.size ? async (r: ContainerRecord) => { await Promise.all([...pending].map((f) => f(r))); } : undefined,
      removeHere: true,
    });
  } catch (err) {
    // As docker: an AutoRemove container that failed to start is removed (its client waits for that).
    if (rec.config.autoRemove) await e.remove(rec.id, { force: true, volumes: true }).catch(() => {});
    throw err;
  }
  ctx.sendStatus(204);
}

/** t (or timeout) seconds before SIGKILL, -1 for none; and the signal. */
function stopOptions(ctx: ApiContext): { timeout?: number; signal?: string } {
  const t = ctx.int('t') ?? ctx.int('timeout');
  const signal = ctx.query.get('signal') || undefined;
  return { ...(t !== undefined ? { timeout: t < 0 ? 0x7fffffff : t } : {}), ...(signal ? { signal } : {}) };
}

/** Always the engine's stop, which also keeps a container between two runs of its restart
 * policy from coming back; 304 when there was nothing running to stop. */
export async function stopContainer(ctx: ApiContext): Promise<void> {
  const r = await ctx.engine.containers.stop(ctx.params.id, stopOptions(ctx));
  ctx.sendStatus(r.stopped ? 204 : 304);
}

export async function restartContainer(ctx: ApiContext): Promise<void> {
  await ctx.engine.containers.restart(ctx.params.id, stopOptions(ctx));
  ctx.sendStatus(204);
}

export async function killContainer(ctx: ApiContext): Promise<void> {
  await ctx.engine.containers.kill(ctx.params.id, ctx.query.get('signal') || 'SIGKILL');
  ctx.sendStatus(204);
}

export async function pauseContainer(ctx: ApiContext): Promise<void> {
  await ctx.engine.containers.pause(ctx.params.id);
  ctx.sendStatus(204);
}

export async function unpauseContainer(ctx: ApiContext): Promise<void> {
  await ctx.engine.containers.unpause(ctx.params.id);
  ctx.sendStatus(204);
}

const CONDITIONS = ['not-running', 'next-exit', 'removed'];

/** The headers go out at once (the docker CLI waits for them before it starts the container);
 * the body comes at the exit. */
export async function waitContainer(ctx: ApiContext): Promise<void> {
  const condition = ctx.query.get('condition') || 'not-running';
  if (!CONDITIONS.includes(condition)) throw badRequest(`invalid condition: "${condition}"`);
  const rec = ctx.engine.containers.get(ctx.params.id);
  const res = ctx.stream('application/json');
  try {
    const r = await ctx.engine.containers.wait(rec.id, condition as WaitCondition, ctx.signal);
    res.end(JSON.stringify({ StatusCode: r.exitCode }));
  } catch (e) {
    if (ctx.signal.aborted) { res.destroy(); return; }
    res.end(JSON.stringify({ StatusCode: -1, Error: { Message: (e as Error).message } }));
  }
}

export async function removeContainer(ctx: ApiContext): Promise<void> {
  if (ctx.flag('link')) return removeLink(ctx);
  await ctx.engine.containers.remove(ctx.params.id, { force: ctx.flag('force'), volumes: ctx.flag('v') });
  ctx.sendStatus(204);
}

/** link=1 (docker rm --link) removes a link, never the container. berth makes no links (create
 * warns about Links): a container's own name is docker's "default link", refused as docker
 * does; any other link does not exist. */
function removeLink(ctx: ApiContext): void {
  const name = ctx.params.id.startsWith('/') ? ctx.params.id : `/${ctx.params.id}`;
  const parent = name.slice(0, name.lastIndexOf('/'));
  if (!parent) {
    ctx.engine.containers.get(name.slice(1));
    throw conflict('Conflict, cannot remove the default link name of the container');
  }
  try { ctx.engine.containers.get(parent.slice(1)); } catch { throw notFound(`Cannot get parent ${parent} for link name ${name}`); }
  throw notFound(`Could not find link ${name}: berth makes no container links`);
}

export async function resizeContainer(ctx: ApiContext): Promise<void> {
  const h = ctx.int('h'), w = ctx.int('w');
  if (h === undefined || w === undefined || h < 0 || w < 0) throw badRequest('resize: h and w are required non-negative integers');
  resizeTty(ctx.engine, ctx.params.id, h, w);
  ctx.sendStatus(200);
}
