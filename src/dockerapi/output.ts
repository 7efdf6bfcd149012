// Writing a container's output to a client: multiplexed frames without a terminal, the raw
// bytes with one (docker's rule for attach, logs and exec).
import type { LogEntry } from '../engine/index.ts';
import { formatEntry } from '../engine/index.ts';
import { compareVersions } from './router.ts';
import { frame, STDERR, STDOUT } from './stdcopy.ts';

export const RAW_STREAM = 'application/vnd.docker.raw-stream';
export const MULTIPLEXED_STREAM = 'application/vnd.docker.multiplexed-stream';

/** The content type of an attach/logs/exec stream: multiplexed without a terminal from API
 * 1.42 on (before it, docker called both raw-stream; the bytes are the same). */
export function streamType(tty: boolean, version = '1.44'): string {
  return tty || compareVersions(version, '1.42') < 0 ? RAW_STREAM : MULTIPLEXED_STREAM;
}

/** Turns log entries into what goes on the wire, keeping which stream is at a line start
 * (timestamps prefix lines, not partial chunks). */
export class OutputEncoder {
  readonly #tty: boolean;
  readonly #timestamps: boolean;
  readonly #want: { stdout: boolean; stderr: boolean };
  readonly #atStart = { stdout: true, stderr: true };

  constructor(tty: boolean, opts: { timestamps?: boolean; stdout?: boolean; stderr?: boolean } = {}) {
    this.#tty = tty;
    this.#timestamps = opts.timestamps ?? false;
    this.#want = { stdout: opts.stdout ?? true, stderr: opts.stderr ?? true };
  }

  /** The bytes for one entry, or undefined when its stream was not asked for. */
  encode(e: LogEntry): Buffer | undefined {
    if (!this.#want[e.stream]) return undefined;
    const text = formatEntry(e, this.#timestamps, this.#atStart[e.stream]);
    this.#atStart[e.stream] = !e.partial;
    const data = Buffer.from(text);
    if (this.#tty) return data;
    return frame(e.stream === 'stderr' ? STDERR : STDOUT, data);
  }
}
