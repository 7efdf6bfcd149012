// Finding the OCI runtime executable, and whether it is this tree's own (ociruntime/ then serves
// it in process, and berth-relay runs its create).
import { accessSync, constants, existsSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { nativeToolPath } from '../util/native-tools.ts';
import { delimiter, isAbsolute, join } from 'node:path';
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
