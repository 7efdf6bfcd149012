// GET /containers/{id}/logs: the engine's log reader (since/until/tail/follow), framed unless the
// container has a terminal.
import { parseSince } from '../engine/index.ts';
import type { ApiContext } from './context.ts';
import { badRequest } from './errors.ts';
import { OutputEncoder, streamType } from './output.ts';

function timeParam(ctx: ApiContext, name: string): bigint | undefined {
  const v = ctx.query.get(name);
  if (!v || v === '0') return undefined;
  try { return parseSince(v); } catch (e) { throw badRequest(`invalid value for "${name}": ${(e as Error).message}`); }
}

export async function containerLogs(ctx: ApiContext): Promise<void> {
  const e = ctx.engine.containers;
  const stdout = ctx.flag('stdout'), stderr = ctx.flag('stderr');
  if (!stdout && !stderr) throw badRequest('Bad parameters: you must choose at least one stream');
  const rec = e.get(ctx.params.id);
  const tailText = ctx.query.get('tail') ?? 'all';
  if (tailText !== 'all' && tailText !== '' && !/^-?\d+$/.test(tailText)) throw badRequest(`invalid value for "tail": ${JSON.stringify(tailText)}`);
  const tail = tailText === 'all' || tailText === '' || Number(tailText) < 0 ? undefined : Number(tailText);
  const sinceNs = timeParam(ctx, 'since'), untilNs = timeParam(ctx, 'until');
  const follow = ctx.flag('follow');
  const enc = new OutputEncoder(rec.config.tty, { stdout, stderr, timestamps: ctx.flag('timestamps') });
  const res = ctx.stream(streamType(rec.config.tty, ctx.version));
  const entries = e.logs(rec.id, {
    follow, signal: ctx.signal,
    ...(tail !== undefined ? { tail } : {}), ...(sinceNs !== undefined ? { sinceNs } : {}), ...(untilNs !== undefined ? { untilNs } : {}),
  });
  for await (const entry of entries) {
    const data = enc.encode(entry);
    if (!data) continue;
    if (res.destroyed) break;
    if (!res.write(data)) await new Promise<void>((r) => { res.once('drain', r); res.once('close', r); });
  }
  res.end();
}
