// berth's query bundle (dist/lib/berth-query.cjs): the read-only commands (ps, inspect, images,
// image inspect: src/cli/berth/queries.ts) over the engine's query face (src/engine/query.ts),
// which loads none of the runtime, network, build, CRI or Docker API code. The launcher
// (scripts/launcher.mjs) runs it first for such a command line and the full CLI only when
// runQuery answers undefined: another command, --help, a size, or a command that turned out to
// need the full engine (inspect of a name that is no container or volume looks for a network).
// It runs the same command modules as the full CLI; its output is held until the command ends,
// so that a command handed on has printed nothing.
import { QueryEngine } from '../engine/query.ts';
import type { Context } from './berth/context.ts';
import { enterUserNamespace, helperPath, runCommand, selfCommand } from './berth/invoke.ts';
import { queryCommand } from './berth/queries.ts';
import { writeErr, writeOut } from './stdio.ts';

/** Why the query bundle hands a command line on to the full CLI. */
class NeedsFullEngine extends Error {}

/** Runs `argv` (without the program) if it is a read-only command; resolves with its exit status,
 * or undefined, having printed nothing, when the full CLI must run it instead. */
export async function runQuery(argv: string[]): Promise<number | undefined> {
  const line = queryCommand(argv);
  if (!line) return undefined;
  const { globals } = line;
  enterUserNamespace(globals);
  const cmd = (await line.load()).default;
  const held: [1 | 2, string][] = [];
  let engine: QueryEngine | undefined;
  let full = false;
  const initBinary = helperPath('berth-tiny-init', 'BERTH_INIT');
  const ctx: Context = {
    argv: line.argv, globals, cli: selfCommand(), attachHelper: helperPath('berth-attach', 'BERTH_ATTACH'), ...(initBinary ? { initBinary } : {}),
    engine() {
      full = true;
      throw new NeedsFullEngine('the full engine is needed');
    },
    query: () => (engine ??= new QueryEngine({ root: globals.root, runRoot: globals.runRoot })),
    out: (text) => { held.push([1, text]); },
    err: (text) => { held.push([2, text]); },
    dispose() {
      engine?.close();
      engine = undefined;
    },
  };
  let code: number;
  try {
    code = await runCommand(cmd, line.name, ctx);
  } finally {
    ctx.dispose();
  }
  if (full) return undefined;
  for (const [fd, text] of held) (fd === 1 ? writeOut : writeErr)(text);
  return code;
}
