// runc's `create` and `run` command lines (the options after the command name) → CreateOptions:
// the one parse for berth-runtime's CLI (src/cli/runtime/create.ts, run.ts) and for the create
// berth-relay forwards from conmon (relay.ts). Accepts what runc's flag parsing accepts:
// --flag value, --flag=value, -flag value, -b value, bools as --flag or --flag=false, options
// and the id in any order, `--` before the id.
import { resolve } from 'node:path';
import type { CreateOptions } from './create.ts';

/** A command line that does not fit create's (or run's) options. */
export class CreateArgsError extends Error {
  override name = 'CreateArgsError';
  /** The option at fault ("--preserve-fds"), when one is. */
  readonly flag: string | undefined;
  constructor(message: string, flag?: string) {
    super(message);
    this.flag = flag;
  }
}

export interface CreateCommand {
  options: CreateOptions;
  /** create --dry-run: print the plan. */
  dryRun: boolean;
  /** run --detach. */
  detach: boolean;
  /** The options given, by long name (what a caller that serves only some may check). */
  given: Set<string>;
}

type Kind = 'bool' | 'string';
const COMMON: [string, Kind, string[]][] = [
  ['bundle', 'string', ['b']],
  ['console-socket', 'string', []],
  ['pid-file', 'string', []],
  ['no-pivot', 'bool', []],
  ['no-new-keyring', 'bool', []],
  ['preserve-fds', 'string', []],
  // Accepted for containerd's sake; the pidfd is not sent (yet).
  ['pidfd-socket', 'string', []],
];
const ONLY: Record<'create' | 'run', [string, Kind, string[]][]> = {
  create: [['dry-run', 'bool', []]],
  // runc's run options that change nothing here: the helper is the reaper; state is always removed.
  run: [['detach', 'bool', ['d']], ['keep', 'bool', []], ['no-subreaper', 'bool', []]],
};
const TRUE = ['true', '1', 't', 'TRUE', 'True'], FALSE = ['false', '0', 'f', 'FALSE', 'False'];

/**
 * `argv`: the words after `create` (or `run`). `root`: the state root (--root, already
 * resolved by the caller). `cwd`: what relative paths are relative to (the bundle defaults to it).
 */
export function parseCreateCommand(argv: readonly string[], ctx: { command: 'create' | 'run'; root: string; cwd: string }): CreateCommand {
  const specs = new Map<string, { name: string; kind: Kind }>();
  for (const [name, kind, aliases] of [...COMMON, ...ONLY[ctx.command]]) {
    for (const n of [name, ...aliases]) specs.set(n, { name, kind });
  }
  const values = new Map<string, string | boolean>();
  const ids: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') { ids.push(...argv.slice(i + 1)); break; }
    if (a.length < 2 || a[0] !== '-') { ids.push(a); continue; }
    const body = a.startsWith('--') ? a.slice(2) : a.slice(1);
    const eq = body.indexOf('=');
    const given = eq < 0 ? body : body.slice(0, eq);
    const spec = specs.get(given);
    if (!spec) throw new CreateArgsError(`flag provided but not defined: -${given}`, `--${given}`);
    if (spec.kind === 'bool') {
      const v = eq < 0 ? 'true' : body.slice(eq + 1);
      if (!TRUE.includes(v) && !FALSE.includes(v)) throw new CreateArgsError(`invalid boolean value "${v}" for -${given}`, `--${spec.name}`);
      values.set(spec.name, TRUE.includes(v));
      continue;
    }
    if (eq >= 0) values.set(spec.name, body.slice(eq + 1));
    else if (i + 1 < argv.length) values.set(spec.name, argv[++i]);
    else throw new CreateArgsError(`flag needs an argument: -${given}`, `--${spec.name}`);
  }
  if (ids.length !== 1) throw new CreateArgsError(`"${ctx.command}" requires exactly 1 argument(s)`);
  const str = (n: string) => { const v = values.get(n); return typeof v === 'string' ? v : undefined; };
  const path = (n: string) => { const v = str(n); return v === undefined ? undefined : resolve(ctx.cwd, v); };
  const fds = str('preserve-fds') ?? '0';
  if (!/^\d+$/.test(fds)) throw new CreateArgsError(`invalid value "${fds}" for flag -preserve-fds: must be a non-negative integer`, '--preserve-fds');
  return {
    options: {
      root: ctx.root,
      id: ids[0],
      bundle: path('bundle') ?? ctx.cwd,
      pidFile: path('pid-file'),
      consoleSocket: path('console-socket'),
      preserveFds: Number(fds),
      noPivot: values.get('no-pivot') === true,
      noNewKeyring: values.get('no-new-keyring') === true,
    },
    dryRun: values.get('dry-run') === true,
    detach: values.get('detach') === true,
    given: new Set(values.keys()),
  };
}
