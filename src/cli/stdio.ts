// Writes to our stdout/stderr with write(2) on fds 1 and 2. process.stdout and process.stderr
// are built on first use — a net.Socket for a pipe, a stream for a file — which loads
// node:stream (and node:net) and costs 2.5–4 ms of a short CLI's life; `state` prints one line.
// Output stays in order with any later process.stdout writes: Node writes files and pipes
// synchronously on Linux, and a would-block pipe hands the rest to the stream.
//
// A command berthd serves for a client (src/util/caller.ts) writes to the client instead.
import { writeSync } from 'node:fs';
import { currentCaller } from '../util/caller.ts';

function writeFd(fd: 1 | 2, text: string): void {
  const buf = Buffer.from(text);
  const caller = currentCaller();
  if (caller) {
    (fd === 1 ? caller.out : caller.err)(buf);
    return;
  }
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
