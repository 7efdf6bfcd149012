// Progress of pulls and pushes: per-layer bars with sizes and speed on a terminal, one line per
// state change otherwise, nothing in quiet mode, and docker's JSON message stream for APIs.

import { humanSizeWithPrecision } from '../util/units.ts';

export type LayerAction =
  | 'waiting' | 'downloading' | 'verifying' | 'complete' | 'exists' | 'retrying'
  | 'pushing' | 'pushed' | 'mounted' | 'failed';

export type ProgressEvent =
  /** A line about the whole operation: "Pulling from …", "Digest: …", "Status: …". */
  | { type: 'status'; message: string }
  /** A layer (or config) changed state or moved bytes. `id` is the short digest. */
  | { type: 'layer'; id: string; action: LayerAction; current?: number; total?: number };

export interface Progress {
  emit(e: ProgressEvent): void;
  /** Draws the final state and stops timers. */
  close(): void;
}

export type ProgressMode = 'auto' | 'tty' | 'plain' | 'quiet' | 'json';

/** 1234567 → "1.235MB": go-units HumanSize (4 digits), as docker's progress lines print sizes. */
export function formatBytes(n: number): string {
  return humanSizeWithPrecision(n, 4);
}

const ACTION_TEXT: Record<LayerAction, string> = {
  waiting: 'Waiting', downloading: 'Downloading', verifying: 'Verifying Checksum', complete: 'Pull complete',
  exists: 'Already exists', retrying: 'Retrying', pushing: 'Pushing', pushed: 'Pushed', mounted: 'Mounted from other repository',
  failed: 'Failed',
};

interface LayerState { id: string; action: LayerAction; current: number; total: number; started: number; lastAction: LayerAction | undefined }

/** The bar line for one layer: `abc123: Downloading [=====>     ]  1.2MB/3.4MB  5.6MB/s`. */
export function renderLayerLine(l: { id: string; action: LayerAction; current: number; total: number }, bytesPerSec: number, width = 30): string {
  const text = ACTION_TEXT[l.action];
  if ((l.action !== 'downloading' && l.action !== 'pushing') || l.total <= 0) return `${l.id}: ${text}`;
  const frac = Math.min(1, l.current / l.total);
  const filled = Math.floor(frac * width);
  const bar = '='.repeat(Math.max(0, filled - (filled < width ? 0 : 1))) + (filled < width ? '>' : '=') + ' '.repeat(Math.max(0, width - filled - 1));
  const speed = bytesPerSec > 0 ? `  ${formatBytes(Math.round(bytesPerSec))}/s` : '';
  return `${l.id}: ${text} [${bar}] ${formatBytes(l.current)}/${formatBytes(l.total)}${speed}`;
}

class TtyProgress implements Progress {
  private readonly out: NodeJS.WritableStream;
  private readonly layers: LayerState[] = [];
  private drawn = 0;
  private timer: NodeJS.Timeout | undefined;
  constructor(out: NodeJS.WritableStream) { this.out = out; }
  emit(e: ProgressEvent): void {
    if (e.type === 'status') {
      this.clear();
      this.out.write(e.message + '\n');
      this.draw();
      return;
    }
    let l = this.layers.find((x) => x.id === e.id);
    if (!l) { l = { id: e.id, action: e.action, current: 0, total: 0, started: Date.now(), lastAction: undefined }; this.layers.push(l); }
    if (l.action !== e.action && (e.action === 'downloading' || e.action === 'pushing') && l.current === 0) l.started = Date.now();
    l.action = e.action;
    if (e.current !== undefined) l.current = e.current;
    if (e.total !== undefined) l.total = e.total;
    this.timer ??= setTimeout(() => { this.timer = undefined; this.draw(); }, 100);
  }
  private clear(): void {
    if (this.drawn > 0) this.out.write(`\x1b[${this.drawn}A\x1b[J`);
    this.drawn = 0;
  }
  private draw(): void {
    this.clear();
    const now = Date.now();
    for (const l of this.layers) {
      const secs = (now - l.started) / 1000;
      this.out.write(`\x1b[2K${renderLayerLine(l, secs > 0.2 ? l.current / secs : 0)}\n`);
    }
    this.drawn = this.layers.length;
  }
  close(): void {
    if (this.timer) { clearTimeout(this.timer); this.timer = undefined; }
    this.draw();
  }
}

class PlainProgress implements Progress {
  private readonly out: NodeJS.WritableStream;
  private readonly last = new Map<string, LayerAction>();
  constructor(out: NodeJS.WritableStream) { this.out = out; }
  emit(e: ProgressEvent): void {
    if (e.type === 'status') { this.out.write(e.message + '\n'); return; }
    if (this.last.get(e.id) === e.action) return;
    this.last.set(e.id, e.action);
    const size = (e.action === 'downloading' || e.action === 'pushing') && e.total ? ` (${formatBytes(e.total)})` : '';
    this.out.write(`${e.id}: ${ACTION_TEXT[e.action]}${size}\n`);
  }
  close(): void { /* every line is already out */ }
}

/** docker's jsonmessage stream: {"status","id","progressDetail":{"current","total"}}. */
class JsonProgress implements Progress {
  private readonly out: NodeJS.WritableStream;
  constructor(out: NodeJS.WritableStream) { this.out = out; }
  emit(e: ProgressEvent): void {
    const m = e.type === 'status'
      ? { status: e.message }
      : { status: ACTION_TEXT[e.action], id: e.id, progressDetail: e.current !== undefined ? { current: e.current, total: e.total } : {} };
    this.out.write(JSON.stringify(m) + '\n');
  }
  close(): void { /* stateless */ }
}

export const quietProgress: Progress = { emit() { /* quiet */ }, close() { /* quiet */ } };

/** A progress sink for `out` (default stdout). `auto` picks bars on a TTY, lines otherwise. */
export function createProgress(opts: { mode?: ProgressMode; out?: NodeJS.WritableStream & { isTTY?: boolean } } = {}): Progress {
  const out = opts.out ?? process.stdout;
  const mode = opts.mode ?? 'auto';
  if (mode === 'quiet') return quietProgress;
  if (mode === 'json') return new JsonProgress(out);
  if (mode === 'tty' || (mode === 'auto' && out.isTTY === true)) return new TtyProgress(out);
  return new PlainProgress(out);
}
