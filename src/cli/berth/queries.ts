// The read-only commands (ps, inspect, images, image inspect) and the command lines that are
// only such a read: what berthd runs in its own process (src/daemon/serve-query.ts) and what the
// query bundle (src/cli/berth-query-main.ts, over the engine's query face) runs instead of the
// full CLI. The command tables (table.ts, image-table.ts) load these commands with the loaders
// here, so a name means one command whichever way it is reached.
import type { Command, Globals } from './context.ts';
import { parseFlags } from './flags.ts';
import { GLOBAL_FLAGS, globalsOf } from './globals.ts';

type Load = () => Promise<{ default: Command }>;

export const QUERY_LOADERS = {
  ps: () => import('./ps.ts'),
  inspect: () => import('./inspect.ts'),
  imageLs: () => import('./image-ls.ts'),
  imageInspect: () => import('./image-inspect.ts'),
} satisfies Record<string, Load>;

/** Every name of a read-only command (a management group's aliases included) → its command. */
export const QUERY_NAMES: Record<string, keyof typeof QUERY_LOADERS> = {
  ps: 'ps', 'container ls': 'ps', 'container list': 'ps', 'container ps': 'ps',
  inspect: 'inspect', 'container inspect': 'inspect',
  images: 'imageLs', 'image ls': 'imageLs', 'image list': 'imageLs',
  'image inspect': 'imageInspect',
};

export interface QueryLine { name: string; load: Load; argv: string[]; globals: Globals }

/** The read-only command `argv` (without the program) runs, or undefined: for another command,
 * bad global options, --help, --version or a size (`-s`: walking a container's files has no
 * bound, and measuring takes the full engine). */
export function queryCommand(argv: readonly string[]): QueryLine | undefined {
  let g;
  try {
    g = parseFlags(argv, GLOBAL_FLAGS, { stopAtPositional: true });
  } catch {
    return undefined;
  }
  if (g.bools.get('version') || g.bools.get('help')) return undefined;
  if (argv.some((a) => a === '--help' || a === '--size' || a.startsWith('--size=') || /^-[a-zA-Z]*s[a-zA-Z]*$/.test(a))) return undefined;
  const [word, sub, ...more] = g.args;
  if (word === undefined) return undefined;
  const two = sub === undefined ? undefined : `${word} ${sub}`;
  if (two !== undefined && QUERY_NAMES[two]) return { name: two, load: QUERY_LOADERS[QUERY_NAMES[two]], argv: more, globals: globalsOf(g) };
  if (word === 'container' || word === 'image' || !QUERY_NAMES[word]) return undefined;
  return { name: word, load: QUERY_LOADERS[QUERY_NAMES[word]], argv: g.args.slice(1), globals: globalsOf(g) };
}
