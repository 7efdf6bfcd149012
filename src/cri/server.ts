// The CRI gRPC server: runtime.v1.RuntimeService and ImageService on a unix socket. Our own
// listener accepts each connection and hands it to grpc-js through a connection injector, after
// the `:authority` filter (grpc/authority-filter.ts) that lets crictl/kubelet 1.26 in.
import { chmodSync, existsSync, mkdirSync, unlinkSync } from 'node:fs';
import { connect, createServer, type Server as NetServer, type Socket } from 'node:net';
import { dirname } from 'node:path';
import { Server, ServerCredentials, type ServerUnaryCall, type sendUnaryData, type ServerWritableStream, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { filterAuthority } from './grpc/authority-filter.ts';
import { criServices } from './proto.ts';
import { toServiceError } from './errors.ts';
import type { CriContext } from './context.ts';
import { StreamingServer } from './streaming/server.ts';
import { RUNTIME_RPCS, IMAGE_RPCS, STREAMING_RPCS, type Rpc } from './rpcs.ts';
import { trace } from '../util/trace.ts';

export const DEFAULT_CRI_SOCKET = '/run/berth/cri.sock';

export class CriSocketInUseError extends Error {
  constructor(socket: string) {
    super(`CRI: ${socket} is in use by another server`);
    this.name = 'CriSocketInUseError';
  }
}

function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

function unary(ctx: CriContext, name: string, rpc: Rpc, track: (p: Promise<unknown>) => void) {
  return (call: ServerUnaryCall<object, object>, done: sendUnaryData<object>) => {
    // BERTH_TRACE: the server's own time per call (crictl's timings add its start and the wire).
    const t0 = performance.now();
    trace(`cri: ${name} begins`);
    const running = rpc(ctx, call.request);
    track(running);
    running.then(
      (res) => { trace(`cri: ${name} took ${(performance.now() - t0).toFixed(1)} ms`); done(null, res); },
      (err) => {
        ctx.log(`${name}: ${err instanceof Error ? err.message : String(err)}`);
        done(toServiceError(err));
      },
    );
  };
}

export class CriServer {
  readonly socket: string;
  readonly #ctx: CriContext;
  #grpc?: Server;
  #net?: NetServer;
  readonly #sockets = new Set<Socket>();
  /** The unary calls under way: close() lets them finish (their engine work, and what it leaves
   * to the background, which the engine's settle then waits for). */
  readonly #inflight = new Set<Promise<unknown>>();
  readonly #track = (p: Promise<unknown>) => {
    const q = p.catch(() => {}).finally(() => this.#inflight.delete(q));
    this.#inflight.add(q);
  };

  readonly #streaming: StreamingServer;

  constructor(ctx: Omit<CriContext, 'streaming' | 'streamingUrl'>, socket = DEFAULT_CRI_SOCKET, opts: { streamingAddress?: string; streamingPort?: number } = {}) {
    this.#streaming = new StreamingServer(opts.streamingAddress ?? '127.0.0.1', opts.streamingPort ?? 0);
    this.#ctx = { ...ctx, streaming: () => this.#streaming, streamingUrl: () => this.#streaming.url };
    this.socket = socket;
  }

  async listen(): Promise<void> {
    const { RuntimeService, ImageService } = criServices();
    // No channelz: nothing here reads it, and its bookkeeping per connection and call is ~0.2 of
    // the ~2.5 ms of CPU a crictl connection costs berthd (docs/benchmarks.md).
    const grpc = new Server({ 'grpc.enable_channelz': 0 });
    const runtime: UntypedServiceImplementation = {};
    for (const [name, rpc] of Object.entries(RUNTIME_RPCS)) runtime[name] = unary(this.#ctx, name, rpc, this.#track);
    for (const [name, rpc] of Object.entries(STREAMING_RPCS)) {
      runtime[name] = (call: ServerWritableStream<object, object>) => rpc(this.#ctx, call);
    }
    const images: UntypedServiceImplementation = {};
    for (const [name, rpc] of Object.entries(IMAGE_RPCS)) images[name] = unary(this.#ctx, name, rpc, this.#track);
    grpc.addService(RuntimeService.definition, runtime);
    grpc.addService(ImageService.definition, images);
    const injector = grpc.createConnectionInjector(ServerCredentials.createInsecure());
    await this.#streaming.listen();

    mkdirSync(dirname(this.socket), { recursive: true, mode: 0o755 });
    if (existsSync(this.socket)) {
      if (await answers(this.socket)) { await this.#streaming.close(); throw new CriSocketInUseError(this.socket); }
      unlinkSync(this.socket); // left by a server that died
    }
    const net = createServer((sock) => {
      trace('cri: connection');
      this.#sockets.add(sock);
      sock.once('close', () => this.#sockets.delete(sock));
      injector.injectConnection(filterAuthority(sock));
    });
    await new Promise<void>((resolve, reject) => {
      net.once('error', reject);
      net.listen(this.socket, () => { net.off('error', reject); resolve(); });
    });
    chmodSync(this.socket, 0o600);
    this.#grpc = grpc;
    this.#net = net;
  }

  async close(): Promise<void> {
    const net = this.#net;
    this.#net = undefined;
    // No new connections; the calls under way finish (for 30 s at most), then the rest goes.
    const closed = net ? new Promise<void>((resolve) => net.close(() => resolve())) : Promise.resolve();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all([...this.#inflight]), new Promise((r) => { timer = setTimeout(r, 30_000); })]);
    clearTimeout(timer);
    for (const s of this.#sockets) s.destroy();
    await closed;
    this.#grpc?.forceShutdown();
    await this.#streaming.close();
    this.#grpc = undefined;
    try { unlinkSync(this.socket); } catch { /* gone already */ }
  }
}
