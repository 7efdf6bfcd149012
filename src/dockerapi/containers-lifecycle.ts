// start, stop, restart, kill, pause, unpause, wait, delete, resize, rename: each one engine call;
// 304 for a start or stop with nothing to do, as docker answers.
import { resizeTty, type ContainerRecord, type Handoff, type WaitCondition } from '../engine/index.ts';
import type { ApiContext } from './context.ts';
import { badRequest } from './errors.ts';
import { dropAhead, takeAhead } from './start-ahead.ts';
import { trace } from '../util/trace.ts';

export async function startContainer(ctx: ApiContext): Promise<void> {
  const e = ctx.engine.containers;
  const rec = e.get(ctx.params.id);
  if (rec.state.status === 'running') { ctx.sendStatus(304); return; }
  const pending = ctx.server.pendingStdin.get(rec.id);
  // An AutoRemove container is cleaned up (removed) here once it exits, as a foreground `berth
  // run` does (the engine's handoff): no exit-command process to start, so `docker run --rm`'s
  // wait for the removal ends sooner. conmon's exit command stands by should berthd go away.
  // The monitor prelaunched at create (and its handoff) is taken over when there is one.
  const ahead = await takeAhead(ctx.server.ahead, rec.id);
  const handoff = ahead?.launched ? ahead.handoff : rec.config.autoRemove ? await e.openHandoff(rec.id) : undefined;
  let started: ContainerRecord;
  try {
    started = await e.start(rec.id, {
      // Stdin attaches that came before the start connect now, before the process runs.
      beforeStart: pending?.size ? async (r: ContainerRecord) => { await Promise.all([...pending].map((f) => f(r))); } : undefined,
      ...(handoff ? { handoff } : {}),
    });
  } catch (err) {
    ahead?.stopWarm();
    if (handoff) { handoff.done(); handoff.close(); }
    // As docker: an AutoRemove container that failed to start is removed (its client waits for that).
    if (rec.config.autoRemove) await e.remove(rec.id, { force: true, volumes: true }).catch(() => {});
    throw err;
  }
  ahead?.stopWarm();
  ctx.sendStatus(204);
  if (handoff) void finishAfterExit(ctx, started.id, handoff, started.state.conmonPid);
}

async function finishAfterExit(ctx: ApiContext, id: string, handoff: Handoff, conmonPid: number): Promise<void> {
  await ctx.engine.containers.waitExit(id).catch(() => null);
  trace('dockerapi: exit seen');
  // finishForeground always tells the exit command it is done (even when the clean-up fails, e.g.
  // because `docker rm -f` removed the container meanwhile), so that it never waits on berthd.
  await ctx.engine.containers.finishForeground(id, handoff, conmonPid).catch(() => {});
}

/** t (or timeout) seconds before SIGKILL, -1 for none; and the signal. */
function stopOptions(ctx: ApiContext): { timeout?: number; signal?: string } {
  const t = ctx.int('t') ?? ctx.int('timeout');
  const signal = ctx.query.get('signal') || undefined;
  return { ...(t !== undefined ? { timeout: t < 0 ? 0x7fffffff : t } : {}), ...(signal ? { signal } : {}) };
}

export async function stopContainer(ctx: ApiContext): Promise<void> {
  const rec = ctx.engine.containers.get(ctx.params.id);
  if (rec.state.status !== 'running' && rec.state.status !== 'restarting') { ctx.sendStatus(304); return; }
  await ctx.engine.containers.stop(rec.id, stopOptions(ctx));
  ctx.sendStatus(204);
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
  // A monitor waiting for this container's start goes first (rm then leaves no process behind).
  const id = ctx.engine.containers.get(ctx.params.id).id;
  await dropAhead(ctx.engine, ctx.server.ahead, id);
  await ctx.engine.containers.remove(ctx.params.id, { force: ctx.flag('force'), volumes: ctx.flag('v') });
  ctx.sendStatus(204);
}

export async function resizeContainer(ctx: ApiContext): Promise<void> {
  const h = ctx.int('h'), w = ctx.int('w');
  if (h === undefined || w === undefined || h < 0 || w < 0) throw badRequest('resize: h and w are required non-negative integers');
  resizeTty(ctx.engine, ctx.params.id, h, w);
  ctx.sendStatus(200);
}
