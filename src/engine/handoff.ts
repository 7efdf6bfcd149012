// A foreground `berth run` cleans up after its container itself (it is waiting anyway), so that
// conmon's exit command need not start a second berth process (a Node start and an engine open,
// the largest single cost of a short `run --rm` after the runtime's own). The exit command is
// still there for when the CLI dies: a bash wrapper that waits on a FIFO the CLI holds open.
// When the CLI writes "done" there, the wrapper exits at once; when the CLI is gone without
// having written it, the wrapper runs the usual `berth container cleanup ID`.
//
// The wrapper opens the FIFO read-write (an open for reading alone would block for good if the
// CLI were already gone), so it never sees end-of-file: it polls the CLI's pid once a second
// between reads instead. Only the CLI's descriptor writes; Node opens it close-on-exec, so no
// child (conmon, the runtime) keeps it.
import { closeSync, existsSync, openSync, rmSync, writeFileSync, writeSync, constants } from 'node:fs';
import { runMountOpsAsync } from '../util/native-mount.ts';

export const BASH = '/bin/bash';

const WRAPPER = [
  'f=$1 p=$2; shift 2',
  'if [ -p "$f" ] && exec 3<>"$f"; then',
  '  while ! read -t 1 r <&3; do kill -0 "$p" 2>/dev/null || break; done',
  '  [ "$r" = done ] && exit 0',
  'fi',
  // The CLI died before it was done: its FIFO is ours to remove.
  'rm -f -- "$f"',
  'exec "$@"',
].join('\n');

export interface Handoff {
  fifo: string;
  /** The CLI's pid: the wrapper falls back to the real exit command once it is gone. */
  pid: number;
  /** Tells the wrapper the cleanup is done (idempotent). */
  done(): void;
  /** Closes and removes the FIFO (after conmon, and so the wrapper, is gone). */
  close(): void;
}

// A detached container's exit command gets the same courtesy when `stop` or `rm` ends it: they
// clean up themselves (they wait for the exit anyway), so first they leave a claim, a file with
// their pid; the exit command then does nothing while that process lives, and runs the real
// cleanup when there is no claim (the container ended on its own) or its owner is gone.
const CLAIM_WRAPPER = [
  'c=$1; shift',
  'if [ -s "$c" ] && read -r p <"$c" && [ -n "$p" ] && kill -0 "$p" 2>/dev/null; then exit 0; fi',
  'exec "$@"',
].join('\n');

/** conmon's exit command for a detached start: `cleanup`, unless a live claim is at `claim`. */
export function claimExitCommand(claim: string, cleanup: string[]): string[] {
  return existsSync(BASH) ? [BASH, '-c', CLAIM_WRAPPER, 'berth-exit', claim, ...cleanup] : cleanup;
}

/** Claims the cleanup of a container about to be stopped by this process (see above); the
 * returned function drops the claim once the container's monitor is gone. */
export function claimCleanup(claim: string): () => void {
  try {
    writeFileSync(claim, `${process.pid}\n`, { mode: 0o600 });
  } catch {
    return () => {}; // without a claim the exit command just does its usual cleanup
  }
  return () => rmSync(claim, { force: true });
}

/** conmon's exit command for a start whose caller cleans up: `cleanup` runs only without it. */
export function handoffExitCommand(h: { fifo: string; pid: number }, cleanup: string[]): string[] {
  return [BASH, '-c', WRAPPER, 'berth-exit', h.fifo, String(h.pid), ...cleanup];
}

/** Makes the FIFO at `path` (Node has no mkfifo: build/berth-mount makes it) and holds it open;
 * undefined when this host cannot (no bash, no helper, mkfifo failed): the caller then leaves the
 * cleanup to the exit command as for a detached run. */
export async function openHandoff(path: string): Promise<Handoff | undefined> {
  if (!existsSync(BASH)) return undefined;
  rmSync(path, { force: true });
  try {
    await runMountOpsAsync([{ op: 'mkfifo', path, mode: 0o600 }]);
  } catch {
    return undefined;
  }
  let fd: number | undefined = openSync(path, constants.O_RDWR | constants.O_NONBLOCK);
  let signalled = false;
  return {
    fifo: path,
    pid: process.pid,
    done() {
      if (signalled || fd === undefined) return;
      signalled = true;
      writeSync(fd, 'done\n');
    },
    close() {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
      rmSync(path, { force: true });
    },
  };
}
