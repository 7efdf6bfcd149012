// Kubernetes' remote command protocol (channel.k8s.io v1-v4) over a SPDY session: the client
// opens an error stream and the stdin/stdout/stderr (and, with a terminal, resize) streams it
// asked for, each named by its streamType header; the command runs once they are all there; its
// end is reported on the error stream (v4: a Status object, with the exit code as a cause).
import type { ExecChild } from '../../engine/index.ts';
import type { SpdySession, SpdyStream } from './spdy.ts';

export interface StreamsWanted { stdin: boolean; stdout: boolean; stderr: boolean; tty: boolean }

const WAIT_FOR_STREAMS_MS = 30_000;

/** Collects the session's streams by type; resolves once the expected ones are open. */
export function awaitStreams(session: SpdySession, want: StreamsWanted): Promise<Map<string, SpdyStream>> {
  const expected = ['error', ...(want.stdin ? ['stdin'] : []), ...(want.stdout ? ['stdout'] : []), ...(want.stderr && !want.tty ? ['stderr'] : []), ...(want.tty ? ['resize'] : [])];
  return new Promise((resolve, reject) => {
    const got = new Map<string, SpdyStream>();
    const timer = setTimeout(() => reject(new Error(`streams missing after ${WAIT_FOR_STREAMS_MS / 1000}s: ${expected.filter((e) => !got.has(e)).join(', ')}`)), WAIT_FOR_STREAMS_MS);
    session.on('stream', (s: SpdyStream) => {
      got.set(s.headers.streamtype ?? '', s);
      // A client that has no stderr with a terminal may still open one: fine, it stays empty.
      if (expected.every((e) => got.has(e)) && !got.has('__done')) { got.set('__done', s); clearTimeout(timer); resolve(got); }
    });
    session.on('close', () => { clearTimeout(timer); reject(new Error('the client went away')); });
  });
}

function status(exitCode: number, message?: string): Buffer {
  if (exitCode === 0 && !message) return Buffer.from(JSON.stringify({ metadata: {}, status: 'Success' }));
  if (message) return Buffer.from(JSON.stringify({ metadata: {}, status: 'Failure', message, reason: 'InternalError' }));
  return Buffer.from(JSON.stringify({
    metadata: {}, status: 'Failure', message: `command terminated with non-zero exit code: exit status ${exitCode}`,
    reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] },
  }));
}

/** Wires a started process to the streams and reports its end; closes the session after. */
export function pipeProcess(session: SpdySession, streams: Map<string, SpdyStream>, child: ExecChild): void {
  const stdin = streams.get('stdin'), stdout = streams.get('stdout'), stderr = streams.get('stderr'), error = streams.get('error')!;
  stdin?.on('data', (d: Buffer) => child.stdin?.write(d));
  stdin?.on('end', () => child.stdin?.end());
  if (!stdin) child.stdin?.end();
  child.stdin?.on('error', () => { /* the process closed its stdin */ });
  const out = (s: SpdyStream | undefined) => async (d: Buffer) => {
    if (!s) return;
    if (!s.write(d)) {
      // Back-pressure from the socket, not from a SPDY window (spdy.ts says why).
      child.stdout?.pause(); child.stderr?.pause();
      await session.drained();
      child.stdout?.resume(); child.stderr?.resume();
    }
  };
  // Terminal sizes: a JSON object per window change ({"Width":W,"Height":H}), one after another.
  const resize = streams.get('resize');
  if (resize) {
    const sizes = new SizeReader();
    resize.on('data', (d: Buffer) => { for (const size of sizes.push(d)) child.resize(size.height, size.width); });
  }
  child.stdout?.on('data', out(stdout));
  child.stderr?.on('data', out(stderr ?? stdout));
  let spawnError = '';
  child.on('error', (e) => { spawnError = e.message; });
  child.on('close', (code, signal) => {
    const exitCode = code ?? (signal ? 128 + (({ SIGKILL: 9, SIGTERM: 15, SIGINT: 2, SIGHUP: 1 } as Record<string, number>)[signal] ?? 0) : 1);
    stdout?.end();
    stderr?.end();
    error.end(status(exitCode, spawnError || undefined));
    session.goAway();
  });
  session.on('close', () => { if (child.exitCode === null && child.signalCode === null) child.killProcess(); });
}

/** Reads the resize stream: one {"Width":W,"Height":H} object per window change (Go's
 * json.Encoder, newline-terminated); a frame may hold a part of one, or several. */
export class SizeReader {
  #pending = '';

  /** The sizes completed by `chunk`, in order; anything else between them is ignored. */
  push(chunk: Buffer | string): { width: number; height: number }[] {
    this.#pending += chunk.toString();
    const out: { width: number; height: number }[] = [];
    for (const m of this.#pending.matchAll(/\{[^{}]*\}/g)) {
      try {
        const j = JSON.parse(m[0]) as { Width?: unknown; Height?: unknown };
        if (typeof j.Width === 'number' && typeof j.Height === 'number') out.push({ width: j.Width, height: j.Height });
      } catch { /* not a size: ignored */ }
    }
    this.#pending = this.#pending.slice(this.#pending.lastIndexOf('}') + 1).slice(-4096);
    return out;
  }
}

/** Reports a failure before anything ran, on the error stream. */
export function failSession(session: SpdySession, streams: Map<string, SpdyStream> | undefined, message: string): void {
  const error = streams?.get('error');
  if (error) error.end(status(1, message));
  session.goAway();
}
