// Writes to our stdout/stderr with write(2) on fds 1 and 2. process.stdout and process.stderr
// are built on first use — a net.Socket for a pipe, a stream for a file — which loads
// node:stream (and node:net) and costs 2.5–4 ms of a short CLI's life; `state` prints one line.
// Output stays in order with process.stdout's: once a command has made that stream (a progress
// display, a tar piped out), everything goes through it, since a pipe the stream found full holds
// the rest in the stream's queue (libuv made the pipe non-blocking); before that, Node has written
// nothing to the fd but through here.
//
// A command berthd serves for a client (src/util/caller.ts) writes to the client instead.
import { writeSync } from 'node:fs';
import { currentCaller } from '../util/caller.ts';

// Which of process.stdout / process.stderr has been made: their getters are wrapped once (they
// stay lazy; the wrapper notes the first use and gives the stream its error handler).
const made = { stdout: false, stderr: false };
for (const name of ['stdout', 'stderr'] as const) {
  const d = Object.getOwnPropertyDescriptor(process, name);
  if (d?.get && d.configurable) {
    const get = d.get;
    Object.defineProperty(process, name, {
      ...d,
      get() {
        const stream = get.call(process) as NodeJS.WriteStream;
        if (!made[name]) { made[name] = true; stream.on('error', readerGone); }
        return stream;
      },
    });
  }
}

/** A stdio stream's error. EPIPE: the reader has gone (`berth logs c | head -1`); the command
 * ends quietly, as a Go CLI dies of SIGPIPE: with its own exit code when it had finished (the
 * queue flushStdio waited for), else 141 (128 + SIGPIPE, what a shell shows for one). Without
 * this handler Node throws the error with a stack trace. Anything else is thrown as before. */
function readerGone(e: NodeJS.ErrnoException): void {
  if (e.code !== 'EPIPE') throw e;
  process.exit(typeof process.exitCode === 'number' ? process.exitCode : 141);
}

function writeFd(fd: 1 | 2, text: string): void {
  const caller = currentCaller();
  if (caller) {
    (fd === 1 ? caller.out : caller.err)(Buffer.from(text));
    return;
  }
  if (made[fd === 1 ? 'stdout' : 'stderr']) {
    (fd === 1 ? process.stdout : process.stderr).write(text);
    return;
  }
  const buf = Buffer.from(text);
  let off = 0;
  while (off < buf.length) {
    try {
      off += writeSync(fd, buf, off);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') { // a non-blocking pipe that is full: let the stream wait for it
        (fd === 1 ? process.stdout : process.stderr).write(buf.subarray(off));
        return;
      }
      if (code === 'EPIPE') return; // the reader is gone; nothing to tell it
      throw e;
    }
  }
}

export function writeOut(text: string): void {
  writeFd(1, text);
}

export function writeErr(text: string): void {
  writeFd(2, text);
}

/**
 * Resolves once process.stdout and process.stderr (those the command made) have handed all they
 * hold to the kernel. Node's stdio streams are not synchronous for a pipe: libuv made it
 * non-blocking, so when the reader is slower than the command (`berth export | tar -t` on a
 * loaded machine) the tail waits in the stream's queue, and process.exit — or the client told
 * "done" by a berthd worker — would drop it: a truncated archive. A pipe whose reader has gone
 * settles at once (the write fails).
 */
export function flushStdio(): Promise<void> {
  const pending = (['stdout', 'stderr'] as const).filter((n) => made[n]).map((n) => process[n])
    .filter((s) => !s.destroyed && s.writableLength > 0);
  // A write is done only after every write queued before it.
  return Promise.all(pending.map((s) => new Promise<void>((res) => { s.once('error', () => res()); s.write('', () => res()); }))).then(() => undefined);
}
