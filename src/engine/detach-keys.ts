// docker's detach keys: the sequence a client types to leave an attached container running
// (default ctrl-p,ctrl-q). Written as comma-separated keys, each one character or `ctrl-X`
// (X in a-z, @, [, \, ], ^, _); matched in the input stream, where the bytes of a partial
// match are held back until the sequence completes (they are dropped) or breaks (they go on).
import { Transform, type Readable, type TransformCallback, type Writable } from 'node:stream';
import { EngineError } from './errors.ts';

export const DEFAULT_DETACH_KEYS = 'ctrl-p,ctrl-q';

/** A detach-keys string the engine cannot read (docker: 400). */
export class InvalidDetachKeysError extends EngineError {
  override name = 'InvalidDetachKeysError';
}

// ctrl-@ is 0, ctrl-a..ctrl-z 1..26, then ctrl-[ ctrl-\ ctrl-] ctrl-^ ctrl-_ 27..31.
const CTRL = '@abcdefghijklmnopqrstuvwxyz[\\]^_';

/** The bytes of a detach-keys string ('' is the default). */
export function parseDetachKeys(keys: string): Buffer {
  const spec = keys === '' ? DEFAULT_DETACH_KEYS : keys;
  const out: number[] = [];
  for (const key of spec.split(',')) {
    if (key.length === 1) { out.push(key.charCodeAt(0)); continue; }
    const m = /^ctrl-(.)$/i.exec(key);
    const code = m ? CTRL.indexOf(m[1].toLowerCase()) : -1;
    if (code < 0) throw new InvalidDetachKeysError(`Invalid detach keys (${keys}) provided: unknown key ${JSON.stringify(key)}`);
    out.push(code);
  }
  return Buffer.from(out);
}

/** Input with the detach sequence taken out: on it, 'detach' is emitted and the stream ends
 * (without the held bytes); a partial match at the input's end is passed on. */
export class DetachFilter extends Transform {
  readonly #keys: Buffer;
  #matched = 0;
  #detached = false;

  constructor(keys: Buffer) {
    super();
    this.#keys = keys;
  }

  get detached(): boolean { return this.#detached; }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    if (this.#detached) { done(); return; }
    const out: number[] = [];
    for (const byte of chunk) {
      if (byte === this.#keys[this.#matched]) {
        this.#matched++;
        if (this.#matched === this.#keys.length) {
          this.#detached = true;
          if (out.length) this.push(Buffer.from(out));
          this.emit('detach');
          this.push(null);
          done();
          return;
        }
        continue;
      }
      // A broken match: what was held goes on, and this byte may start a new one.
      out.push(...this.#keys.subarray(0, this.#matched));
      this.#matched = 0;
      if (byte === this.#keys[0]) this.#matched = 1;
      else out.push(byte);
    }
    if (out.length) this.push(Buffer.from(out));
    done();
  }

  override _flush(done: TransformCallback): void {
    if (!this.#detached && this.#matched) this.push(this.#keys.subarray(0, this.#matched));
    done();
  }
}

/** A client's `input` into a process's `stdin` through a DetachFilter: the detach keys call
 * `onDetach` and leave `stdin` open (the process runs on, as docker leaves it); the input's own
 * end ends `stdin`. */
export function pipeDetachable(input: Readable, stdin: Writable, keys: Buffer, onDetach: () => void): DetachFilter {
  const filter = new DetachFilter(keys);
  filter.once('detach', onDetach);
  filter.pipe(stdin, { end: false });
  filter.on('end', () => { if (!filter.detached) stdin.end(); });
  input.pipe(filter);
  return filter;
}
