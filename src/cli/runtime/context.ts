// What every berth-runtime command receives from the global options.
import type { Logger } from '../log.ts';

export interface CommandContext {
  /** --root: where container state lives. */
  root: string;
  log: Logger;
  debug: boolean;
  systemdCgroup: boolean;
}

export interface Command {
  usage: string;
  main(ctx: CommandContext, argv: string[]): Promise<number>;
}
