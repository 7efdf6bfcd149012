// docker's JSON message stream (pull, push, build, load): one JSON object per line, each a
// status with optional id and progress, or an error. The docker CLI renders these as the
// familiar per-layer progress bars; an `error`/`errorDetail` object makes it fail.

export interface JsonMessage {
  status?: string;
  id?: string;
  progress?: string;
  progressDetail?: { current?: number; total?: number };
  stream?: string;
  error?: string;
  errorDetail?: { message: string; code?: number };
  aux?: unknown;
}

export function statusMessage(status: string, id?: string): string {
  return line(id ? { status, id } : { status });
}

/** A progress line: docker's own bar text plus the numbers the CLI draws its bar from. */
export function progressMessage(status: string, id: string, current: number, total: number): string {
  return line({ status, id, progressDetail: { current, total }, progress: progressBar(current, total) });
}

export function errorMessage(message: string): string {
  return line({ errorDetail: { message }, error: message });
}

export function streamMessage(text: string): string {
  return line({ stream: text });
}

export function auxMessage(aux: unknown): string {
  return line({ aux });
}

function line(m: JsonMessage): string {
  return `${JSON.stringify(m)}\r\n`;
}

const UNITS = ['B', 'kB', 'MB', 'GB', 'TB'];

/** docker's human size for progress (decimal units, three significant digits). */
export function humanBytes(n: number): string {
  let v = n, i = 0;
  while (v >= 1000 && i < UNITS.length - 1) { v /= 1000; i++; }
  return `${i === 0 ? v : v.toPrecision(3).replace(/\.?0+$/, '')}${UNITS[i]}`;
}

/** "[=====>      ]  1.2MB/3.4MB": docker's progress text, which older clients print as is. */
export function progressBar(current: number, total: number): string {
  if (!(total > 0)) return humanBytes(current);
  const width = 50;
  const filled = Math.min(width, Math.floor((current / total) * width));
  const bar = `[${'='.repeat(Math.max(0, filled - 1))}${filled > 0 ? (filled === width ? '=' : '>') : ''}${' '.repeat(width - filled)}]`;
  return `${bar} ${humanBytes(current).padStart(8)}/${humanBytes(total)}`;
}
