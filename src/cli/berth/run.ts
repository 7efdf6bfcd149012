// berth run: create + start, then (unless -d) stream the output (or attach for -i/-t) and exit
// with the container's code; --rm removes it afterwards. Exit codes as docker's: the
// container's, 125 for berth's own failures, 126/127 when the command cannot run / is missing.
import { EngineError, parseDetachKeys, StartError, type ContainerRecord, type Handoff } from '../../engine/index.ts';
import { parseFlags, bool, str } from './flags.ts';
import { CREATE_FLAGS, toCreateRequest } from './create-flags.ts';
import type { Command, Context } from './context.ts';
import { trace } from '../../util/trace.ts';
import { attachSocket, DETACHED_EXIT, followOutput, terminalSize, type AttachSession } from './stream.ts';

const cmd: Command = {
  usage: 'berth run [OPTIONS] IMAGE [COMMAND] [ARG...]',
  about: 'Create and run a new container from an image',
  flags: CREATE_FLAGS,
  async run(ctx: Context): Promise<number> {
    // The mount server and the cgroup warm-up first, while this process is still small and the
    // flags are parsed (engine.prepareForRun says why).
    const engine = ctx.engine();
    const stopWarm = await engine.prepareForRun();
    trace('run: engine open');
    const p = parseFlags(ctx.argv, CREATE_FLAGS, { stopAtPositional: true });
    const req = toCreateRequest(p, terminalSize());
    const detach = bool(p, 'detach');
    if (detach && req.autoRemove === undefined) req.autoRemove = false;
    trace('run: flags parsed');
    const containers = engine.containers;
    // The monitor starts as soon as the container's directory exists (engine.prelaunch): for a
    // foreground run with the handoff its exit command needs, opened first.
    let handoff: Handoff | undefined;
    let rec: ContainerRecord;
    try {
      rec = await containers.create(req, {
        onReady: async (r) => {
          if (!detach) handoff = await containers.openHandoff(r.id);
          if (await containers.prelaunch(r, handoff ? { handoff } : {})) trace('run: monitor prelaunched');
        },
      });
    } catch (e) {
      stopWarm();
      if (handoff) { handoff.done(); handoff.close(); }
      throw e;
    }
    trace('run: created');
    if (detach) {
      try {
        await containers.start(rec.id);
        stopWarm();
      } catch (e) {
        stopWarm();
        if (req.autoRemove) await containers.remove(rec.id, { force: true, volumes: true }).catch(() => {});
        throw e;
      }
      ctx.out(`${rec.id}\n`);
      return 0;
    }
    // With a terminal and stdin, the detach keys (docker's ctrl-p,ctrl-q by default) leave it running.
    const detachKeys = req.tty && req.openStdin ? parseDetachKeys(str(p, 'detach-keys') ?? '') : undefined;
    return runForeground(ctx, rec, { stdin: !!req.openStdin, tty: !!req.tty, autoRemove: !!req.autoRemove, ...(detachKeys ? { detachKeys } : {}) }, stopWarm, handoff);
  },
};

export async function runForeground(ctx: Context, rec: ContainerRecord, o: { stdin: boolean; tty: boolean; autoRemove: boolean; detachKeys?: Buffer }, stopWarm = () => {}, opened?: Handoff): Promise<number> {
  const containers = ctx.engine().containers;
  let started = false;
  let session: AttachSession | undefined;
  let follower: Promise<void> | undefined;
  const abort = new AbortController();
  const useSocket = o.stdin || o.tty;
  if (!useSocket) follower = followOutput(containers, rec.id, () => started, abort.signal);
  // docker's --sig-proxy: signals to the CLI go to the container.
  const proxy = (sig: NodeJS.Signals) => { void containers.kill(rec.id, sig).catch(() => {}); };
  if (!o.tty) for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(s, proxy);
  // This process waits for the exit anyway: it does the exit command's cleanup itself (no second
  // berth process), conmon's exit command standing by in case this one dies.
  const handoff = opened ?? await containers.openHandoff(rec.id);
  let conmonPid = 0;
  try {
    const r = await containers.start(rec.id, {
      beforeStart: useSocket ? async (r) => { session = await attachSocket(ctx.attachHelper, containers, r, { stdin: o.stdin, tty: o.tty, ...(o.detachKeys ? { detachKeys: o.detachKeys } : {}) }); } : undefined,
      ...(handoff ? { handoff } : {}),
    });
    stopWarm();
    conmonPid = r.state.conmonPid;
    started = true;
    trace('run: started');
  } catch (e) {
    stopWarm();
    if (handoff) { handoff.done(); handoff.close(); }
    abort.abort();
    session?.child?.kill();
    await follower?.catch(() => {});
    if (o.autoRemove) await containers.remove(rec.id, { force: true, volumes: true }).catch(() => {});
    if (e instanceof StartError || e instanceof EngineError) throw e;
    throw new StartError((e as Error).message);
  }
  if (session && (await session.done) === DETACHED_EXIT) {
    // Detached (docker run -it's ctrl-p,ctrl-q): it runs on; conmon's exit command, no longer
    // handed off to this process, cleans up after it (and removes it for --rm).
    for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.off(s, proxy);
    handoff?.close();
    return 0;
  }
  await follower;
  trace('run: output done');
  const done = await containers.waitExit(rec.id);
  trace('run: exit seen');
  for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.off(s, proxy);
  const code = done?.state.exitCode ?? 0;
  if (handoff) await containers.finishForeground(rec.id, handoff, conmonPid).catch(() => {});
  else if (o.autoRemove) await containers.remove(rec.id, { force: true, volumes: true }).catch(() => {});
  trace('run: cleaned up');
  return code;
}

export default cmd;
