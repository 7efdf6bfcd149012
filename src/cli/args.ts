// A small argument parser that accepts what runc's (urfave/cli v1 + Go's flag package) command
// lines look like, so conmon, containerd and scripts written for runc work unchanged:
//   --flag value, --flag=value, -flag value, -flag=value (single-dash long names), -b value,
//   boolean flags that take no separate value (--flag, --flag=false), `--` ends the options.
// Options may be interspersed with positional arguments (urfave reorders them), except for the
// global parse, which stops at the command name.

export type FlagType = 'bool' | 'string';

export interface FlagSpec {
  /** Long name without dashes, e.g. "bundle". */
  name: string;
  /** Other names (e.g. "b"); each may be written with one or two dashes. */
  aliases?: string[];
  type: FlagType;
  /** Repeatable string flag: every occurrence is collected. */
  multi?: boolean;
}

export interface ParsedArgs {
  /** By long name: boolean for bool flags, string (or string[] for multi) for string flags. */
  flags: Record<string, string | boolean | string[]>;
  /** Positional arguments in order. */
  args: string[];
}

/** A command line that does not fit the command's options; the CLI prints usage for it. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export interface ParseOptions {
  /** Stop at the first positional argument; the rest is returned untouched in `args`. */
  stopAtFirstArg?: boolean;
}

export function parseArgs(argv: readonly string[], specs: readonly FlagSpec[], opts: ParseOptions = {}): ParsedArgs {
  const byName = new Map<string, FlagSpec>();
  for (const s of specs) {
    byName.set(s.name, s);
    for (const a of s.aliases ?? []) byName.set(a, s);
  }
  const flags: ParsedArgs['flags'] = {};
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      args.push(...argv.slice(i + 1));
      break;
    }
    // "-" alone and anything not starting with "-" is positional.
    if (a.length < 2 || a[0] !== '-') {
      if (opts.stopAtFirstArg) {
        args.push(...argv.slice(i));
        break;
      }
      args.push(a);
      continue;
    }
    const body = a.startsWith('--') ? a.slice(2) : a.slice(1);
    const eq = body.indexOf('=');
    const name = eq < 0 ? body : body.slice(0, eq);
    const spec = byName.get(name);
    if (!spec) throw new UsageError(`flag provided but not defined: -${name}`);
    if (spec.type === 'bool') {
      if (eq < 0) flags[spec.name] = true;
      else {
        const v = body.slice(eq + 1);
        if (!['true', 'false', '1', '0', 't', 'f', 'TRUE', 'FALSE', 'True', 'False'].includes(v)) {
          throw new UsageError(`invalid boolean value "${v}" for -${name}`);
        }
        flags[spec.name] = ['true', '1', 't', 'TRUE', 'True'].includes(v);
      }
      continue;
    }
    let value: string;
    if (eq >= 0) value = body.slice(eq + 1);
    else {
      if (i + 1 >= argv.length) throw new UsageError(`flag needs an argument: -${name}`);
      value = argv[++i];
    }
    if (spec.multi) {
      const prev = flags[spec.name];
      flags[spec.name] = Array.isArray(prev) ? [...prev, value] : [value];
    } else flags[spec.name] = value;
  }
  return { flags, args };
}

/** The string value of a flag, or undefined. */
export function str(p: ParsedArgs, name: string): string | undefined {
  const v = p.flags[name];
  if (Array.isArray(v)) return v[v.length - 1];
  return typeof v === 'string' ? v : undefined;
}

export function bool(p: ParsedArgs, name: string): boolean {
  return p.flags[name] === true;
}

/** A non-negative integer flag (runc's uint flags), with the flag named in the error. */
export function uint(p: ParsedArgs, name: string, dflt: number): number {
  const v = str(p, name);
  if (v === undefined) return dflt;
  if (!/^\d+$/.test(v)) throw new UsageError(`invalid value "${v}" for flag -${name}: must be a non-negative integer`);
  return Number(v);
}

/** Exactly `n` positional arguments, as runc checks them. */
export function expectArgs(p: ParsedArgs, cmd: string, n: number, max = n): void {
  if (p.args.length < n || p.args.length > max) {
    const what = n === max ? `exactly ${n}` : max === Infinity ? `at least ${n}` : `between ${n} and ${max}`;
    throw new UsageError(`"${cmd}" requires ${what} argument(s)`);
  }
}
