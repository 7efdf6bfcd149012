// What every berth-runtime command receives from the global options, and from whoever runs it:
// the plain CLI (its own process) or berthd serving the native client (src/daemon/runtime-serve.ts).
import type { Logger } from '../log.ts';
import type { HelperSession, StartHelperHow } from '../../runtime/helper.ts';
import type { Step } from '../../runtime/plan.ts';

export interface CommandContext {
  /** --root: where container state lives (absolute). */
  root: string;
  log: Logger;
  debug: boolean;
  systemdCgroup: boolean;
  /** The caller's working directory: relative paths on the command line are resolved against it. */
  cwd: string;
  /** The caller's environment (LISTEN_FDS). */
  env: NodeJS.ProcessEnv;
  /** Set when berthd serves the command for build/berth-runtime-client. */
  served?: ServedBy;
}

/** What a served command does differently: the client, in the caller's process tree, starts the
 * helper and forwards the caller's signals to it; a command this process cannot run for a
 * client throws NotServedError before it has done anything. */
export interface ServedBy {
  startHelper(steps: Step[], how: StartHelperHow): HelperSession;
}

/** The command must run in the plain runtime instead (the client execs it); thrown before any
 * effect, so running it there is the same as having run it here. */
export class NotServedError extends Error {
  override name = 'NotServedError';
}

export interface Command {
  usage: string;
  main(ctx: CommandContext, argv: string[]): Promise<number>;
}
