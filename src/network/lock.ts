// Inter-process lock on a file, for CLI processes that change the same state root at once.
// Node has no flock(2), so a util-linux `flock` child takes the kernel lock and holds it while it
// lives; its stdin is our pipe, so if this process dies the child sees EOF, exits and the kernel
// drops the lock. Nothing stale is ever left behind, unlike pid files.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { LockTimeoutError, NetworkError } from './errors.ts';

async function acquire(path: string, timeoutMs: number): Promise<() => Promise<void>> {
  mkdirSync(dirname(path), { recursive: true });
  const secs = Math.max(1, Math.ceil(timeoutMs / 1000));
  // Once locked, the shell says so and then waits on stdin; closing stdin releases the lock.
  const child = spawn('flock', ['--exclusive', '--wait', String(secs), path, 'sh', '-c', 'echo locked; exec cat >/dev/null'],
    { stdio: ['pipe', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
  const locked = await new Promise<boolean>((resolve, reject) => {
    child.stdout.on('data', (b: Buffer) => { if (b.toString().includes('locked')) resolve(true); });
    child.once('error', (e) => reject(new NetworkError(`cannot run flock for ${path}: ${e.message}`)));
    void exited.then(() => resolve(false));
  });
  if (!locked) {
    const code = await exited;
    // flock exits 1 when --wait expires.
    if (code === 1 && !stderr) throw new LockTimeoutError(path, timeoutMs);
    throw new NetworkError(`flock ${path} failed (exit ${code}): ${stderr.trim()}`);
  }
  return async () => {
    child.stdin.end();
    await exited;
  };
}

/** Runs `fn` holding the exclusive lock `path` (created if missing). */
export async function withLock<T>(path: string, fn: () => Promise<T>, timeoutMs = 60_000): Promise<T> {
  const release = await acquire(path, timeoutMs);
  try {
    return await fn();
  } finally {
    await release();
  }
}
