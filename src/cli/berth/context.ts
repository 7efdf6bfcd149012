// What every berth command gets: its arguments, the global options and a lazily opened Engine.
import { Engine, type QueryFace } from '../../engine/index.ts';
import type { FlagDef } from './flags.ts';
import { writeErr, writeOut } from '../stdio.ts';

export interface Globals {
  root?: string;
  runRoot?: string;
  runtime?: string;
  debug: boolean;
}

export interface Context {
  argv: string[];
  globals: Globals;
  /** argv prefix that runs this CLI again (conmon's exit command). */
  cli: string[];
  /** Path of the berth-attach helper. */
  attachHelper: string;
  /** Path of berth-tiny-init (for --init). */
  initBinary?: string;
  engine(): Engine;
  /** The reads of ps, inspect and images: the engine itself here; the query bundle's own
   * QueryEngine there (src/cli/berth-query-main.ts), where engine() is not to be had. */
  query(): QueryFace;
  out(text: string): void;
  err(text: string): void;
  /** Closes the engine if it was opened: for a command berthd ran in its own process (a CLI
   * process just exits). */
  dispose(): void;
}

export interface Command {
  usage: string;
  about: string;
  flags?: FlagDef[];
  /** Returns the exit code. */
  run(ctx: Context): Promise<number>;
}

/** A command in the tables (table.ts, image-table.ts): loaded only when used. */
export interface Entry { about: string; hidden?: boolean; load: () => Promise<{ default: Command }> }

export type CommandTable = Record<string, { about: string; load: () => Promise<{ default: Command }> }>;

export function makeContext(argv: string[], globals: Globals, cli: string[], attachHelper: string, initBinary?: string): Context {
  let engine: Engine | undefined;
  return {
    argv, globals, cli, attachHelper, ...(initBinary ? { initBinary } : {}),
    engine() {
      engine ??= new Engine({ root: globals.root, runRoot: globals.runRoot, runtime: globals.runtime, cli, ...(initBinary ? { initBinary } : {}) });
      return engine;
    },
    query() { return this.engine(); },
    // write(2), not process.stdout: building that stream loads node:stream (and node:net for a pipe).
    out: writeOut,
    err: writeErr,
    dispose() {
      engine?.close();
      engine = undefined;
    },
  };
}
