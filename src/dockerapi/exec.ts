// Exec: create (the request kept by the engine's ExecSessions), start (hijacked like attach,
// or detached; the detach keys in the input end the stream and leave the process running),
// inspect.
import { parseDetachKeys, pipeDetachable } from '../engine/index.ts';
import type { ApiContext } from './context.ts';
import { badRequest } from './errors.ts';
import { frame, STDERR, STDOUT } from './stdcopy.ts';
import { streamType } from './output.ts';
import { body, bool, strList, strSlice, str } from './validate.ts';

export async function createExec(ctx: ApiContext): Promise<void> {
  const b = body(await ctx.json(), 'ExecConfig');
  const cmd = strSlice(b, 'Cmd', 'ExecConfig.Cmd') ?? [];
  if (!cmd.length) throw badRequest('No exec command specified');
  const s = ctx.server.execs.create(ctx.params.id, {
    cmd, env: strList(b, 'Env', 'ExecConfig.Env') ?? [], user: str(b, 'User', 'ExecConfig.User') ?? '',
    workingDir: str(b, 'WorkingDir', 'ExecConfig.WorkingDir') ?? '', tty: bool(b, 'Tty', 'ExecConfig.Tty') ?? false,
    interactive: bool(b, 'AttachStdin', 'ExecConfig.AttachStdin') ?? false, privileged: bool(b, 'Privileged', 'ExecConfig.Privileged') ?? false,
  }, str(b, 'DetachKeys', 'ExecConfig.DetachKeys') ?? '');
  ctx.sendJSON(201, { Id: s.id });
}

export async function startExec(ctx: ApiContext): Promise<void> {
  const b = (await ctx.json()) as Record<string, unknown> | undefined;
  const detach = b ? bool(b, 'Detach', 'ExecStartConfig.Detach') ?? false : false;
  const s = ctx.server.execs.get(ctx.params.id);
  // ExecConfig.DetachKeys, unless this start names its own.
  const keys = parseDetachKeys(ctx.query.get('detachKeys') ?? s.detachKeys);
  // The terminal's size at start (API 1.42+: ConsoleSize [height, width]).
  const cs = b?.ConsoleSize;
  if (Array.isArray(cs) && cs.length === 2 && cs.every((n) => typeof n === 'number' && n > 0)) ctx.server.execs.resize(s.id, cs[0] as number, cs[1] as number);
  const streams = await ctx.server.execs.start(s.id);
  if (detach) {
    streams.stdout.resume();
    streams.stderr.resume();
    streams.stdin?.end();
    ctx.sendStatus(200);
    return;
  }
  const tty = !!s.req.tty;
  const sock = ctx.hijack(streamType(tty, ctx.version));
  // The client's detach ends this stream; the process runs on with its stdin open.
  let detached = () => {};
  const detachedByClient = new Promise<void>((res) => { detached = res; });
  if (streams.stdin) pipeDetachable(sock, streams.stdin, keys, () => detached());
  else sock.resume();
  const out = (id: 1 | 2) => (d: Buffer) => { if (!sock.destroyed) sock.write(tty ? d : frame(id, d)); };
  streams.stdout.on('data', out(STDOUT));
  streams.stderr.on('data', out(STDERR));
  const ended = (r: NodeJS.ReadableStream) => new Promise<void>((res) => { r.once('end', res); r.once('close', res); });
  await Promise.race([Promise.all([streams.exit, ended(streams.stdout), ended(streams.stderr)]), detachedByClient]);
  if (!sock.destroyed) sock.end();
}

export async function inspectExec(ctx: ApiContext): Promise<void> {
  const s = ctx.server.execs.get(ctx.params.id);
  ctx.sendJSON(200, {
    CanRemove: false, ContainerID: s.containerId, DetachKeys: s.detachKeys, ExitCode: s.exitCode, ID: s.id,
    OpenStderr: true, OpenStdin: !!s.req.interactive, OpenStdout: true, Running: s.running, Pid: s.pid,
    ProcessConfig: { arguments: s.req.cmd.slice(1), entrypoint: s.req.cmd[0], privileged: !!s.req.privileged, tty: !!s.req.tty, user: s.req.user ?? '' },
  });
}

/** POST /exec/{id}/resize?h=&w=: the exec's terminal size (before start: the size it starts with). */
export async function resizeExec(ctx: ApiContext): Promise<void> {
  const h = ctx.int('h'), w = ctx.int('w');
  if (h === undefined || w === undefined || h < 0 || w < 0) throw badRequest('resize: h and w are required non-negative integers');
  ctx.server.execs.resize(ctx.params.id, h, w);
  ctx.sendStatus(200);
}
