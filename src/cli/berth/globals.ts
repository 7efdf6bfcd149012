// berth's global options (before the command word), for the full CLI (main.ts) and the query
// bundle (src/cli/berth-query-main.ts) alike.
import type { FlagDef, Parsed } from './flags.ts';
import type { Globals } from './context.ts';

export const GLOBAL_FLAGS: FlagDef[] = [
  { name: 'root', kind: 'string', help: 'Persistent state directory (default /var/lib/berth, rootless ~/.local/share/berth, or $BERTH_ROOT)' },
  { name: 'run-root', kind: 'string', help: 'Runtime state directory (default /run/berth, rootless $XDG_RUNTIME_DIR/berth, or $BERTH_RUN_ROOT)' },
  { name: 'runtime', kind: 'string', help: 'Default OCI runtime (berth-runtime, runc, crun or a path)' },
  { name: 'debug', short: 'D', kind: 'bool', help: 'Print stack traces of errors' },
  { name: 'version', short: 'v', kind: 'bool', help: 'Print version information and quit' },
  { name: 'help', kind: 'bool', help: 'Print usage' },
];

export function globalsOf(g: Parsed): Globals {
  return { root: g.strings.get('root'), runRoot: g.strings.get('run-root'), runtime: g.strings.get('runtime'), debug: g.bools.get('debug') ?? false };
}
