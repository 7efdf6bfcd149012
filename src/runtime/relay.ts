// The engine's side of berth-relay (native/relay.c): `create` run in this process for a helper
// that berth-relay started as conmon's runtime child. The engine already has Node running and the
// runtime library loaded, so a container costs no berth-runtime start: berth-relay execs the
// helper, connects here, sends its argv, then passes records both ways; this side runs
// createContainer over that connection and ends with ["relay-exit", CODE, MESSAGE].
//
// Only the create the caller expects is served (same state root and id); one connection, then
// the socket is gone. The socket's directory should be private to the engine's user: whoever
// can connect can stand in for the helper.
import { createServer, type Server, type Socket } from 'node:net';
import { mkdirSync, rmSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { launchContainer, makeCgroup, prepareCreate, type CreateOptions } from './create.ts';
import { removeCgroupDirs } from './cgroup-glue.ts';
import { ContainerExistsError } from './errors.ts';
import { containerDir, DEFAULT_ROOT } from './state.ts';
import { CreateArgsError, parseCreateCommand, type CreateCommand } from './create-args.ts';
import type { Spec } from '../oci/index.ts';
import { encodeRecord, RecordReader } from './plan.ts';
import { relayedHelper } from './helper.ts';
import { trace } from '../util/trace.ts';

export interface RelayExpect {
  /** The state root and id the create must name. */
  root: string;
  id: string;
  /** Passed through to createContainer (e.g. debug). */
  extra?: Partial<CreateOptions>;
  /** conmon is started before the bundle is complete: a create that arrives waits for
   * prepareAhead (or abort) instead of reading config.json. */
  awaitAhead?: boolean;
}

export type RelayOutcome = { ok: true } | { ok: false; error: Error };

export interface RelayServer {
  /** The socket path, for BERTH_RELAY_SOCK. */
  readonly path: string;
  /** Settles once a relayed create finished (or failed); never rejects. */
  readonly outcome: Promise<RelayOutcome>;
  /** Resolves when the relayed create connects (conmon runs its runtime); never rejects. */
  readonly connected: Promise<void>;
  /** Stops listening and removes the socket (idempotent); a create in progress goes on. */
  close(): void;
  /** Computes the plan now for the create the caller expects (`guess`: its bundle and pid file,
   * no console socket), while conmon starts; used if the relayed argv asks for just that. */
  prepareAhead(guess: { bundle: string; pidFile: string; spec?: Spec }): void;
  /** With awaitAhead: the bundle will not come; a create waiting (or arriving) fails with `e`. */
  abort(e: Error): void;
}

/** The environment conmon (and so berth-relay) needs to reach this server. */
export function relayEnv(server: RelayServer, runtime: string): Record<string, string> {
  return { BERTH_RELAY_SOCK: server.path, BERTH_RELAY_RUNTIME: runtime };
}

export class RelayProtocolError extends Error {
  override name = 'RelayProtocolError';
}

/** The create options berth-relay's argv (`[global options] create [options] ID`, from
 * conmon, resolved against the relay's cwd) stand for; without --root, the runtime's default
 * (`defaultRoot`). Throws on anything unexpected. */
export function parseRelayedCreate(argv: string[], cwd: string, defaultRoot = DEFAULT_ROOT): CreateOptions {
  let root: string | undefined;
  let i = 1;
  const value = (flag: string) => {
    const eq = argv[i].indexOf('=');
    if (eq > 0) return argv[i].slice(eq + 1);
    const v = argv[++i];
    if (v === undefined) throw new RelayProtocolError(`${flag} needs a value`);
    return v;
  };
  for (; i < argv.length && argv[i].startsWith('-'); i++) {
    const flag = argv[i].split('=')[0];
    if (flag === '--root') root = value(flag);
    else if (flag === '--log' || flag === '--log-format') value(flag);
    else if (flag === '--debug' || flag === '--systemd-cgroup') { /* no effect here */ }
    else throw new RelayProtocolError(`unsupported global option ${flag}`);
  }
  if (argv[i] !== 'create') throw new RelayProtocolError(`not a create: ${JSON.stringify(argv.slice(1))}`);
  let cmd: CreateCommand;
  try {
    cmd = parseCreateCommand(argv.slice(i + 1), { command: 'create', root: resolve(cwd, root ?? defaultRoot), cwd });
  } catch (e) {
    if (e instanceof CreateArgsError) throw new RelayProtocolError(e.message);
    throw e;
  }
  // The relayed helper gets no fds beyond its stdio, and a dry run has nothing to relay.
  for (const flag of ['preserve-fds', 'pidfd-socket', 'dry-run']) {
    if (cmd.given.has(flag)) throw new RelayProtocolError(`unsupported create option --${flag}`);
  }
  return cmd.options;
}

/** Listens at `path` for the one relayed create of `expect.id`. */
export async function listenRelay(path: string, expect: RelayExpect): Promise<RelayServer> {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  rmSync(path, { force: true });
  let settle: (o: RelayOutcome) => void = () => {};
  let ahead: Ahead | undefined;
  let aheadSettle: { resolve: () => void; reject: (e: Error) => void } | undefined;
  const aheadReady = expect.awaitAhead
    ? new Promise<void>((resolve, reject) => { aheadSettle = { resolve, reject }; })
    : Promise.resolve();
  aheadReady.catch(() => { /* seen by serve */ });
  const outcome = new Promise<RelayOutcome>((r) => { settle = r; });
  // Half-open: berth-relay shuts down its sending side when the helper closes the channel, and
  // still waits for the exit record.
  let accepted = false;
  let onConnect = () => {};
  const connected = new Promise<void>((r) => { onConnect = r; });
  const server: Server = createServer({ allowHalfOpen: true }, (conn) => {
    accepted = true;
    onConnect();
    close();
    serve(conn, expect, async () => { await aheadReady; return ahead; }).then(settle, (error: Error) => settle({ ok: false, error }))
  });
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    server.close();
    rmSync(path, { force: true });
    // No create came (conmon failed before running the relay): what was made ahead goes.
    if (!accepted) void dropAhead(ahead);
  };
  await new Promise<void>((res, rej) => {
    server.once('error', rej);
    server.listen(path, () => { server.off('error', rej); res(); });
  });
  server.on('error', () => { /* a failing accept: the create then fails through conmon */ });
  const prepareAhead = (guess: { bundle: string; pidFile: string; spec?: Spec }) => {
    const opts: CreateOptions = { root: expect.root, id: expect.id, bundle: guess.bundle, pidFile: guess.pidFile, listenFds: 0, ...(guess.spec ? { spec: guess.spec } : {}), ...expect.extra };
    trace('relay: preparing ahead');
    const prepared = prepareCreate(opts);
    prepared.then(() => trace('relay: prepared ahead'), () => {});
    // Unused if the relay asks for something else; its error, if used, surfaces when awaited.
    prepared.catch(() => {});
    // The cgroup too: its mkdirs and limit writes are ~5 ms (more when a cgroup attach holds the
    // cgroup mutex), all off the critical path while conmon starts.
    const cgroup = prepared.then(async (p) => {
      if (!p.plan.cgroup) return [];
      await makeCgroup(p.plan.cgroup);
      trace('relay: cgroup made ahead');
      return p.plan.cgroup.dirs;
    });
    cgroup.catch(() => {});
    ahead = { guess, prepared, cgroup, used: false };
    aheadSettle?.resolve();
  };
  const abort = (e: Error) => aheadSettle?.reject(e);
  return { path, outcome, connected, close, prepareAhead, abort };
}

interface Ahead {
  guess: { bundle: string; pidFile: string; spec?: Spec };
  prepared: ReturnType<typeof prepareCreate>;
  /** The cgroup dirs made ahead (failed: made again by launchContainer). */
  cgroup: Promise<string[]>;
  /** Taken over by a create (which then removes the cgroup on failure). */
  used: boolean;
}

/** A cgroup made ahead for a create that never used it goes again. */
async function dropAhead(a: Ahead | undefined): Promise<void> {
  if (!a || a.used) return;
  const dirs = await a.cgroup.catch(() => [] as string[]);
  await removeCgroupDirs(dirs).catch(() => {});
}

async function serve(conn: Socket, expect: RelayExpect, ahead: () => Promise<Ahead | undefined>): Promise<RelayOutcome> {
  conn.on('error', () => { /* the relay died: the helper's channel closes with it */ });
  const exit = (code: number, message: string) => {
    if (!conn.destroyed) conn.end(encodeRecord(['relay-exit', String(code), message]));
  };
  let madeAhead: string[] = [];
  try {
    const hello = await readHello(conn);
    if (hello[0] !== 'relay' || hello[1] !== '1' || hello.length < 4) throw new RelayProtocolError(`bad hello ${JSON.stringify(hello.slice(0, 2))}`);
    trace('relay: hello');
    const opts = parseRelayedCreate(hello.slice(3), hello[2]);
    if (resolve(opts.root) !== resolve(expect.root) || opts.id !== expect.id) {
      throw new RelayProtocolError(`expected a create of ${expect.id} under ${expect.root}, got ${opts.id} under ${opts.root}`);
    }
    const full: CreateOptions = { ...opts, ...expect.extra, listenFds: 0, startHelper: (steps) => relayedHelper(conn, steps) };
    const a = await ahead();
    const fits = a && a.guess.bundle === opts.bundle && a.guess.pidFile === opts.pidFile && !opts.consoleSocket && !opts.noPivot && !opts.noNewKeyring;
    let cgroupPrepared = false;
    if (fits) {
      a.used = true;
      madeAhead = await a.cgroup.catch(() => [] as string[]);
      cgroupPrepared = madeAhead.length > 0;
    } else {
      await dropAhead(a);
    }
    const { spec, rootfs, bundle, plan } = await (fits ? a.prepared : prepareCreate(full));
    trace('relay: plan ready');
    await launchContainer({ ...full, cgroupPrepared }, { plan, rootfs, bundle, annotations: spec.annotations ?? {} });
    // As createContainer: exec reads the config as it was at create.
    try { copyFileSync(join(bundle, 'config.json'), join(containerDir(opts.root, opts.id), 'config.json')); } catch { /* exec falls back to the bundle */ }
    trace('relay: created');
    exit(0, '');
    return { ok: true };
  } catch (e) {
    const error = e instanceof Error ? e : new Error(String(e));
    // A create that failed before its own undo took over leaves the cgroup made ahead: it goes
    // here (removing what is already gone is fine). Not when the id exists: that container's
    // cgroup is the same directories.
    if (!(e instanceof ContainerExistsError)) await removeCgroupDirs(madeAhead).catch(() => {});
    exit(1, `berth-runtime: ${error.message}`);
    return { ok: false, error };
  }
}

/** The first record; what follows it stays in the stream for the helper session. */
function readHello(conn: Socket): Promise<string[]> {
  return new Promise((res, rej) => {
    const reader = new RecordReader();
    let got = 0;
    const onData = (chunk: Buffer) => {
      got += chunk.length;
      reader.feed(chunk);
      const hello = reader.take();
      if (!hello) {
        if (got > 1 << 20) fail(new RelayProtocolError('hello record too long'));
        return;
      }
      conn.off('data', onData);
      conn.off('end', onEnd);
      // Paused until the helper session listens (relayedHelper resumes); bytes after the hello
      // go back to the stream for it.
      conn.pause();
      const rest = reader.rest();
      if (rest.length) conn.unshift(rest);
      res(hello);
    };
    const onEnd = () => fail(new RelayProtocolError('berth-relay closed the connection before its hello'));
    const fail = (e: Error) => { conn.off('data', onData); conn.off('end', onEnd); rej(e); };
    conn.on('data', onData);
    conn.on('end', onEnd);
  });
}
