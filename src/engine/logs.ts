// Reading conmon's k8s-file logs: "<RFC3339Nano time> <stdout|stderr> <P|F> <text>\n" per
// chunk; P marks a partial line (the text continues in the next entry), F a full one. Following
// survives conmon's rotation (--log-size-max makes it write a new file and rename it over the
// old one: a new inode), and truncation.
import { closeSync, fstatSync, openSync, readSync, statSync, watch, type FSWatcher } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface LogEntry { time: string; stream: 'stdout' | 'stderr'; partial: boolean; text: string }

export function parseLogLine(line: string): LogEntry | null {
  const a = line.indexOf(' ');
  const b = line.indexOf(' ', a + 1);
  const c = line.indexOf(' ', b + 1);
  if (a < 0 || b < 0) return null;
  const stream = line.slice(a + 1, b);
  if (stream !== 'stdout' && stream !== 'stderr') return null;
  const tag = c < 0 ? line.slice(b + 1) : line.slice(b + 1, c);
  return { time: line.slice(0, a), stream, partial: tag.split(':').includes('P'), text: c < 0 ? '' : line.slice(c + 1) };
}

/** Nanoseconds since the epoch of an RFC 3339 time with up to 9 fractional digits. */
export function timeNs(t: string): bigint {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(t);
  if (!m) return BigInt(Date.parse(t) || 0) * 1_000_000n;
  const ms = Date.parse(`${m[1]}${m[3]}`);
  return BigInt(ms) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0').slice(0, 9) || '0');
}

/** docker's --since/--until: RFC 3339 date, Unix seconds (with fraction) or a duration (10m, 1h30m). */
export function parseSince(s: string, now = Date.now()): bigint {
  if (/^\d+(\.\d+)?$/.test(s)) {
    const [sec, frac = ''] = s.split('.');
    return BigInt(sec) * 1_000_000_000n + BigInt(frac.padEnd(9, '0').slice(0, 9));
  }
  const dur = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s)?$/.exec(s);
  if (dur && s) {
    const ms = (Number(dur[1] ?? 0) * 3600 + Number(dur[2] ?? 0) * 60 + Number(dur[3] ?? 0)) * 1000;
    return BigInt(Math.round(now - ms)) * 1_000_000n;
  }
  const t = Date.parse(s);
  if (Number.isNaN(t)) throw new Error(`invalid time value "${s}": expected RFC 3339, Unix seconds or a duration like 10m`);
  return timeNs(s.includes('T') ? s : new Date(t).toISOString());
}

export interface ReadLogOptions {
  follow?: boolean;
  /** Only the last N entries that end a line (docker counts lines). */
  tail?: number;
  sinceNs?: bigint;
  untilNs?: bigint;
  /** While following: true as long as more output may come. */
  alive?: () => boolean;
  pollMs?: number;
  signal?: AbortSignal;
  /** Skip what the file holds up to this byte offset (start -a: only the new run's output). */
  startOffset?: number;
  /** Directories whose changes (inotify) end a poll interval early: the log's own directory and,
   * e.g., conmon's exit dir, so that new output and the exit show at once. */
  watch?: string[];
}

/** Sleeps up to `ms`, or until something changes in one of `dirs` since the last wait. */
export class DirWaker {
  #watchers: FSWatcher[] = [];
  #changed = false;
  #wake: (() => void) | undefined;
  constructor(dirs: string[]) {
    for (const d of dirs) {
      try {
        const w = watch(d, { persistent: false }, () => this.#poke());
        w.on('error', () => { /* the dir went away: polling goes on */ });
        this.#watchers.push(w);
      } catch { /* no inotify, or no such dir yet: polling only */ }
    }
  }
  #poke(): void {
    this.#changed = true;
    this.#wake?.();
  }
  async wait(ms: number): Promise<void> {
    if (!this.#changed) {
      const ac = new AbortController();
      await new Promise<void>((res) => {
        this.#wake = res;
        sleep(ms, undefined, { signal: ac.signal }).then(res, () => {});
      });
      ac.abort();
      this.#wake = undefined;
    }
    this.#changed = false;
  }
  close(): void {
    for (const w of this.#watchers) w.close();
  }
}

class LogFile {
  fd = -1;
  ino = -1;
  pos = 0;
  rest = '';
  open(path: string): boolean {
    try { this.fd = openSync(path, 'r'); } catch { return false; }
    this.ino = fstatSync(this.fd).ino;
    this.pos = 0;
    this.rest = '';
    return true;
  }
  /** Complete lines appended since the last read. */
  read(): string[] {
    if (this.fd < 0) return [];
    const size = fstatSync(this.fd).size;
    if (size < this.pos) { this.pos = 0; this.rest = ''; }
    const out: string[] = [];
    const buf = Buffer.alloc(64 * 1024);
    while (this.pos < size) {
      const n = readSync(this.fd, buf, 0, buf.length, this.pos);
      if (n <= 0) break;
      this.pos += n;
      this.rest += buf.subarray(0, n).toString('utf8');
      const lines = this.rest.split('\n');
      this.rest = lines.pop()!;
      out.push(...lines);
    }
    return out;
  }
  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

export async function* readLogs(path: string, opts: ReadLogOptions = {}): AsyncGenerator<LogEntry> {
  const f = new LogFile();
  if (f.open(path) && opts.startOffset) f.pos = Math.min(opts.startOffset, fstatSync(f.fd).size);
  let waker: DirWaker | undefined;
  const keep = (e: LogEntry) => (opts.sinceNs === undefined || timeNs(e.time) >= opts.sinceNs) && (opts.untilNs === undefined || timeNs(e.time) < opts.untilNs);
  try {
    let entries = f.read().map(parseLogLine).filter((e): e is LogEntry => !!e && keep(e));
    if (opts.tail !== undefined && opts.tail >= 0) {
      let lines = 0, i = entries.length;
      while (i > 0) {
        if (!entries[i - 1].partial) { if (lines === opts.tail) break; lines++; }
        i--;
      }
      entries = entries.slice(i);
    }
    yield* entries;
    if (!opts.follow) return;
    const poll = opts.pollMs ?? 100;
    waker = new DirWaker([dirname(path), ...(opts.watch ?? [])]);
    for (;;) {
      if (opts.signal?.aborted) return;
      const wasAlive = opts.alive ? opts.alive() : true;
      // Rotated: finish the old file, then continue with the new one from its start.
      let rotated = false;
      try { rotated = statSync(path).ino !== f.ino; } catch { /* between rename steps */ }
      for (const l of f.read()) { const e = parseLogLine(l); if (e && keep(e)) yield e; }
      if (rotated || f.fd < 0) {
        f.close();
        if (f.open(path)) for (const l of f.read()) { const e = parseLogLine(l); if (e && keep(e)) yield e; }
      }
      if (!wasAlive) {
        for (const l of f.read()) { const e = parseLogLine(l); if (e && keep(e)) yield e; }
        return;
      }
      await waker.wait(poll);
    }
  } finally {
    waker?.close();
    f.close();
  }
}

/** Renders entries as docker does: partial entries joined, -t prefixes the timestamp. */
export function formatEntry(e: LogEntry, timestamps: boolean, atLineStart: boolean): string {
  const prefix = timestamps && atLineStart ? `${e.time} ` : '';
  return prefix + e.text + (e.partial ? '' : '\n');
}
