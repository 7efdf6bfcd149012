// What running a berth command takes besides the command itself, shared by the full CLI
// (main.ts) and the query bundle (src/cli/berth-query-main.ts): the CLI's own paths, the move
// into the user's namespace without root, and the run with docker's error reporting.
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { EngineError, enginePaths } from '../../engine/query.ts';
import { userNamespaceArgv } from '../../util/userns.ts';
import { writeErr } from '../stdio.ts';
import type { Command, Context, Globals } from './context.ts';
import { FlagError } from './flags.ts';

/** How this CLI runs itself again (conmon's exit command): node + this script. */
export function selfCommand(): string[] {
  const script = process.argv[1] ? resolve(process.argv[1]) : '';
  return script ? [process.execPath, script] : [];
}

/** A helper binary from build/ (berth-attach, berth-tiny-init), found from the script's path. */
export function helperPath(name: string, env: string): string {
  if (process.env[env]) return process.env[env]!;
  // From the script's path (src/cli/berth-main.ts, dist/berth.mjs or dist/lib/berth.*): works
  // for the sources, an ESM bundle and a CommonJS one (which has no import.meta).
  const here = dirname(resolve(process.argv[1] ?? '.'));
  for (const rel of ['../../build', '../build', '../../../build']) {
    const p = resolve(here, rel, name);
    if (existsSync(p)) return p;
  }
  return name;
}

/** Without root, every command runs as root of the user's own user namespace: this process is
 * replaced by berth-userns, which joins (or makes) it and runs this command again inside. */
export function enterUserNamespace(globals: Globals): void {
  const runRoot = enginePaths({ root: globals.root, runRoot: globals.runRoot }).runRoot;
  const argv = userNamespaceArgv(helperPath('berth-userns', 'BERTH_USERNS'), runRoot, [...selfCommand(), ...process.argv.slice(2)]);
  if (!argv) return;
  try {
    process.execve!(argv[0], argv, process.env);
  } catch (e) {
    writeErr(`berth: cannot enter the user namespace through ${argv[0]}: ${(e as Error).message}\n`);
    process.exit(125);
  }
}

/** Runs `cmd` (called `name` on the command line); a failure prints as docker's CLI prints it,
 * on ctx.err, and gives its exit status. */
export async function runCommand(cmd: Command, name: string, ctx: Context): Promise<number> {
  try {
    return await cmd.run(ctx);
  } catch (e) {
    if (e instanceof FlagError) {
      ctx.err(`berth: ${e.message}\nSee 'berth ${name} --help'.\n`);
      return 125;
    }
    if (ctx.globals.debug) ctx.err(`${(e as Error).stack}\n`);
    const msg = (e as Error).message;
    ctx.err(`berth: ${msg.startsWith('Error') ? msg : `Error response from daemon: ${msg}`}\n`);
    return e instanceof EngineError ? e.exitCode : 125;
  }
}
