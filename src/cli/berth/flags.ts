// docker's command-line syntax (spf13/pflag): --name value, --name=value, -n value, -nvalue,
// combined short booleans (-it, -dit), a short string flag ending a group (-itp 80:80 is -i -t -p),
// --bool=false, repeated flags for lists, `--` ends the options. Commands that take a command
// line of their own (run, create, exec) stop at their first positional argument.

export type FlagKind = 'bool' | 'string' | 'list';

export interface FlagDef {
  name: string;
  short?: string;
  kind: FlagKind;
  help?: string;
}

export class FlagError extends Error {
  override name = 'FlagError';
}

export interface Parsed {
  bools: Map<string, boolean>;
  strings: Map<string, string>;
  lists: Map<string, string[]>;
  args: string[];
}

export function parseFlags(argv: readonly string[], defs: readonly FlagDef[], opts: { stopAtPositional?: boolean } = {}): Parsed {
  const long = new Map(defs.map((d) => [d.name, d]));
  const short = new Map(defs.filter((d) => d.short).map((d) => [d.short!, d]));
  const out: Parsed = { bools: new Map(), strings: new Map(), lists: new Map(), args: [] };
  const set = (d: FlagDef, v: string | undefined, flag: string) => {
    if (d.kind === 'bool') {
      if (v === undefined || v === 'true' || v === '1') out.bools.set(d.name, true);
      else if (v === 'false' || v === '0') out.bools.set(d.name, false);
      else throw new FlagError(`invalid argument "${v}" for "${flag}" flag: strconv.ParseBool: parsing "${v}": invalid syntax`);
    } else if (v === undefined) {
      throw new FlagError(`flag needs an argument: ${flag}`);
    } else if (d.kind === 'string') out.strings.set(d.name, v);
    else out.lists.set(d.name, [...(out.lists.get(d.name) ?? []), v]);
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') { out.args.push(...argv.slice(i + 1)); break; }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
      const d = long.get(name);
      if (!d) throw new FlagError(`unknown flag: --${name}`);
      let v = eq < 0 ? undefined : a.slice(eq + 1);
      if (v === undefined && d.kind !== 'bool') {
        if (i + 1 >= argv.length) throw new FlagError(`flag needs an argument: --${name}`);
        v = argv[++i];
      }
      set(d, v, `--${name}`);
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const ch = a[j];
        const d = short.get(ch);
        if (!d) throw new FlagError(`unknown shorthand flag: '${ch}' in ${a}`);
        if (d.kind === 'bool') {
          if (a[j + 1] === '=') { set(d, a.slice(j + 2), `-${ch}`); break; }
          set(d, undefined, `-${ch}`);
          continue;
        }
        let v = a.slice(j + 1);
        if (v.startsWith('=')) v = v.slice(1);
        if (v === '') {
          if (i + 1 >= argv.length) throw new FlagError(`flag needs an argument: '${ch}' in -${ch}`);
          v = argv[++i];
        }
        set(d, v, `-${ch}`);
        break;
      }
      continue;
    }
    out.args.push(a);
    if (opts.stopAtPositional) { out.args.push(...argv.slice(i + 1)); break; }
  }
  return out;
}

export const bool = (p: Parsed, n: string, dflt = false) => p.bools.get(n) ?? dflt;
export const str = (p: Parsed, n: string) => p.strings.get(n);
export const list = (p: Parsed, n: string) => p.lists.get(n) ?? [];

/** docker's byte sizes: 512, 64k, 64m, 1.5g, 1g/1gb (binary multiples). */
export function parseBytes(s: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([bkmgt]?)i?b?$/i.exec(s.trim());
  if (!m) throw new FlagError(`invalid size: '${s}' for ${flag}`);
  const mult: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };
  return Math.round(Number(m[1]) * mult[m[2].toLowerCase()]);
}

export function helpText(usage: string, about: string, defs: readonly FlagDef[]): string {
  const lines = defs.map((d) => {
    const names = `${d.short ? `-${d.short}, ` : '    '}--${d.name}${d.kind === 'bool' ? '' : d.kind === 'list' ? ' list' : ' string'}`;
    return `  ${names.padEnd(30)} ${d.help ?? ''}`;
  });
  return `\nUsage:  ${usage}\n\n${about}\n${defs.length ? `\nOptions:\n${lines.join('\n')}\n` : ''}`;
}
