// Calling the OCI runtime's CLI (runc's command line: berth-runtime, runc, crun) for the
// operations conmon does not do: start, kill, delete, state, exec.
import { execFile, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { nativeToolPath } from '../util/native-tools.ts';
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

/** Whether `runtime` is this tree's own berth-runtime: its lifecycle calls then run in this
 * process through the runtime library (same state root, same locks) instead of a Node start per
 * call, and its create goes through berth-relay (relayPath). BERTH_RUNTIME_IN_PROCESS=0 turns
 * both off (the runtime's CLI is used as for runc). */
export function isOwnRuntime(runtime: string): boolean {
  if (process.env.BERTH_RUNTIME_IN_PROCESS === '0') return false;
  // Asked for every start, kill and delete: the answer per path is kept for the process.
  let own = ownRuntimes.get(runtime);
  if (own === undefined) {
    let real = '';
    try { real = realpathSync(runtime); } catch { /* not ours */ }
    own = (real === OWN_RUNTIME || real === OWN_CLIENT) && existsSync(relayPath());
    ownRuntimes.set(runtime, own);
  }
  return own;
}

const ownRuntimes = new Map<string, boolean>();

// src/engine/ and dist/lib/ are both two levels below the top. The berth-runtime on PATH is the
// native client (build/berth-runtime-client), which runs this tree's runtime too.
const OWN_RUNTIME = fileURLToPath(new URL('../../dist/berth-runtime.mjs', import.meta.url));
const OWN_CLIENT = fileURLToPath(new URL('../../build/berth-runtime-client', import.meta.url));

/** build/berth-relay (native/relay.c): conmon's runtime for our own create. */
export function relayPath(): string {
  return nativeToolPath('berth-relay', 'BERTH_RELAY');
}

/** start, kill and delete --force of our own runtime, in this process; undefined: not one of those. */
async function inProcess(root: string, args: string[]): Promise<RuntimeResult | undefined> {
  const lib = await import('../runtime/index.ts');
  const warnings: string[] = [];
  const warn = (m: string) => { warnings.push(`berth-runtime: warning: ${m}\n`); };
  try {
    if (args[0] === 'start' && args.length === 2) {
      // The engine adds no poststart hooks and needs no wait for the exec.
      await lib.startContainer(root, args[1], warn, { awaitExec: false });
    } else if (args[0] === 'kill' && args.length === 3) {
      lib.killContainer(root, args[1], lib.parseSignal(args[2]), false);
    } else if (args[0] === 'delete' && args[1] === '--force' && args.length === 3) {
      await lib.deleteContainer(root, args[2], { force: true }, warn);
    } else {
      return undefined;
    }
    return { code: 0, stdout: '', stderr: warnings.join('') };
  } catch (e) {
    return { code: 1, stdout: '', stderr: `${warnings.join('')}berth-runtime: ${(e as Error).message}\n` };
  }
}

export async function runtimeCall(runtime: string, root: string, args: string[], timeoutMs = 60_000): Promise<RuntimeResult> {
  if (isOwnRuntime(runtime)) {
    const r = await inProcess(root, args);
    if (r) return r;
  }
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
