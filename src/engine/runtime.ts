// Calling the OCI runtime's CLI (runc's command line: berth-runtime, runc, crun) for the
// operations conmon does not do: start, kill, delete, state, exec.
import { execFile, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { basename, delimiter, isAbsolute, join } from 'node:path';
import { RuntimeNotFoundError } from './errors.ts';

/** A runtime name (berth-runtime, runc, crun) or path → absolute executable path. */
export function findRuntime(name: string): string {
  const ok = (p: string) => { try { accessSync(p, constants.X_OK); return true; } catch { return false; } };
  if (name.includes('/')) {
    if (isAbsolute(name) && ok(name)) return name;
    throw new RuntimeNotFoundError(name);
  }
  for (const dir of (process.env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin').split(delimiter)) {
    if (dir && ok(join(dir, name))) return join(dir, name);
  }
  throw new RuntimeNotFoundError(name);
}

export interface RuntimeResult { code: number; stdout: string; stderr: string }

export function runtimeCall(runtime: string, root: string, args: string[], timeoutMs = 60_000): Promise<RuntimeResult> {
  return new Promise((resolve) => {
    execFile(runtime, ['--root', root, ...args], { timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

export function runtimeCallSync(runtime: string, root: string, args: string[]): RuntimeResult {
  const r = spawnSync(runtime, ['--root', root, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status ?? 1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** Runtimes known to keep a container's state in <root>/<id> (runc's layout). */
const ROOT_ID_LAYOUT = new Set(['berth-runtime', 'berth-runtime.mjs', 'runc', 'crun', 'youki']);

/** Whether the runtime may hold state for `id`: false only when it is one whose layout we know
 * and <root>/<id> is absent, so that a `delete --force` (a process start, for berth-runtime a
 * Node start) can be skipped for a container that was never created or is already deleted. */
export function runtimeMayHaveState(runtime: string, root: string, id: string): boolean {
  return !ROOT_ID_LAYOUT.has(basename(runtime)) || existsSync(join(root, id));
}
