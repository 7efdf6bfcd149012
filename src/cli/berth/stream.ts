// Foreground I/O for run/start -a/attach: either follow the container's log (no stdin, no tty:
// every byte is in the log, from the first) or connect to conmon's attach socket through the
// berth-attach helper (stdin and/or a terminal).
import { spawn, type ChildProcess } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { formatEntry, readLogs, type Engine, type ContainerRecord } from '../../engine/index.ts';

/** Copies the log to stdout/stderr until the container stops (after `started()` turns true). */
export async function followOutput(engine: Engine, id: string, started: () => boolean, signal?: AbortSignal): Promise<void> {
  const path = join(engine.dir(id), 'ctr.log');
  let startOffset = 0;
  try { startOffset = statSync(path).size; } catch { /* first run: no log yet */ }
  const alive = () => {
    if (!started()) return true;
    const r = engine.store.get(id);
    return !!r && engine.refresh(r).state.status === 'running';
  };
  for await (const e of readLogs(path, { follow: true, alive, pollMs: 50, startOffset, watch: [engine.paths.exits], ...(signal ? { signal } : {}) })) {
    const text = formatEntry(e, false, true);
    if (e.stream === 'stderr') process.stderr.write(text); else process.stdout.write(text);
  }
}

export interface AttachSession { child: ChildProcess; done: Promise<number> }

/** Starts berth-attach on the container's socket; resolves once it is connected. */
export function attachSocket(helper: string, engine: Engine, rec: ContainerRecord, opts: { stdin: boolean; tty: boolean }): Promise<AttachSession> {
  const dir = engine.dir(rec.id);
  const sock = join(engine.paths.sockets, rec.id.slice(0, 16), 'attach');
  const args = [...(opts.stdin ? ['--stdin'] : []), ...(opts.tty ? ['--tty', '--ctl', join(dir, 'ctl')] : []), '--ready-fd', '3', sock];
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
