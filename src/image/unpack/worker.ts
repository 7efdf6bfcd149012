// The worker-thread side of unpackLayerThreaded: receives the layer's bytes as transferred
// chunks, runs unpackLayer on them, acknowledges each chunk once consumed (the sender's
// backpressure), and reports the result or the error (as name, message and own fields, for the
// main thread to rebuild the typed error).
import { parentPort, workerData } from 'node:worker_threads';
import { unpackLayer, type UnpackOptions } from './unpack.ts';

export type ToWorker = { type: 'chunk'; buf: Uint8Array } | { type: 'end' } | { type: 'abort'; message: string };
export type FromWorker =
  | { type: 'ack'; bytes: number }
  | { type: 'done'; result: Awaited<ReturnType<typeof unpackLayer>> }
  | { type: 'error'; error: { name: string; message: string; stack?: string; fields: Record<string, unknown> } };

const port = parentPort!;
const { dir, opts } = workerData as { dir: string; opts: UnpackOptions };
const queue: ToWorker[] = [];
let wake: (() => void) | null = null;
port.on('message', (m: ToWorker) => { queue.push(m); wake?.(); });

async function* chunks(): AsyncGenerator<Buffer> {
  for (;;) {
    while (!queue.length) await new Promise<void>((r) => { wake = r; });
    wake = null;
    const m = queue.shift()!;
    if (m.type === 'end') return;
    if (m.type === 'abort') throw new Error(m.message);
    yield Buffer.from(m.buf.buffer, m.buf.byteOffset, m.buf.byteLength);
    port.postMessage({ type: 'ack', bytes: m.buf.byteLength } satisfies FromWorker);
  }
}

try {
  const result = await unpackLayer(chunks(), dir, opts);
  port.postMessage({ type: 'done', result } satisfies FromWorker);
} catch (e) {
  const err = e instanceof Error ? e : new Error(String(e));
  const fields: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(err)) if (v === null || ['string', 'number', 'boolean'].includes(typeof v)) fields[k] = v;
  port.postMessage({ type: 'error', error: { name: err.name, message: err.message, stack: err.stack, fields } } satisfies FromWorker);
} finally {
  port.close();
}
