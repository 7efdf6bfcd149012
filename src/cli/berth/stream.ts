// Foreground I/O for run/start -a/attach: either follow the container's log (no stdin, no tty:
// every byte is in the log, from the first) or connect to conmon's attach socket through the
// berth-attach helper (stdin and/or a terminal).
import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import { formatEntry, type ContainerRecord, type ContainerService } from '../../engine/index.ts';

/** Copies the log to stdout/stderr until the container stops (after `started()` turns true). */
export async function followOutput(containers: ContainerService, id: string, started: () => boolean, signal?: AbortSignal): Promise<void> {
  for await (const e of containers.logs(id, { follow: true, fromNow: true, started, ...(signal ? { signal } : {}) })) {
    const text = formatEntry(e, false, true);
    if (e.stream === 'stderr') process.stderr.write(text); else process.stdout.write(text);
  }
}

export interface AttachSession { child: ChildProcess; done: Promise<number> }

/** berth-attach's exit status when the user typed the detach keys. */
export const DETACHED_EXIT = 3;

/** Starts berth-attach on the container's socket; resolves once it is connected. With
 * `detachKeys`, typing them ends it (status DETACHED_EXIT), the container running on. */
export function attachSocket(helper: string, containers: ContainerService, rec: ContainerRecord, opts: { stdin: boolean; tty: boolean; detachKeys?: Buffer }): Promise<AttachSession> {
  const { socket, ctl } = containers.attachPaths(rec.id);
  const keys = opts.stdin && opts.detachKeys?.length ? ['--detach-keys', opts.detachKeys.toString('hex')] : [];
  const args = [...(opts.stdin ? ['--stdin'] : []), ...(opts.tty ? ['--tty', '--ctl', ctl] : []), ...keys, '--ready-fd', '3', socket];
  return new Promise((resolve, reject) => {
    const child = spawn(helper, args, { stdio: [opts.stdin ? 'inherit' : 'ignore', 'inherit', 'inherit', 'pipe'] });
    const done = new Promise<number>((res) => child.on('close', (code) => res(code ?? 1)));
    const ready = child.stdio[3] as Readable;
    let ok = false;
    ready.on('data', () => { ok = true; ready.destroy(); resolve({ child, done }); });
    ready.on('error', () => {});
    ready.on('close', () => { if (!ok) done.then((c) => reject(new Error(`cannot attach to ${rec.name} (berth-attach exited ${c})`))); });
    child.on('error', (e) => reject(new Error(`cannot run ${helper}: ${e.message}`)));
  });
}

export function terminalSize(): { height: number; width: number } | undefined {
  const s = process.stdout.isTTY ? process.stdout : process.stdin.isTTY ? process.stdin : undefined;
  if (!s || !('columns' in s)) return undefined;
  const t = s as unknown as { rows: number; columns: number };
  return t.rows && t.columns ? { height: t.rows, width: t.columns } : undefined;
}
