// Instruction flags (`--name=value`, `--bool`, repeated `--name=v`): only the flags an
// instruction declares are accepted, as docker's BFlags does.

export class FlagError extends Error {
  override name = 'FlagError';
}

type Kind = 'string' | 'bool' | 'strings';

export class Flags {
  readonly #decl = new Map<string, Kind>();
  readonly #values = new Map<string, string[]>();
  readonly #raw: string[];
  readonly #cmd: string;
  constructor(cmd: string, raw: string[]) {
    this.#cmd = cmd;
    this.#raw = raw;
  }
  declare(name: string, kind: Kind): this {
    this.#decl.set(name, kind);
    return this;
  }
  parse(): this {
    for (const f of this.#raw) {
      if (!f.startsWith('--')) throw new FlagError(`${this.#cmd}: argument "${f}" must start with "--"`);
      const eq = f.indexOf('=');
      const name = eq < 0 ? f.slice(2) : f.slice(2, eq);
      const kind = this.#decl.get(name);
      if (!kind) throw new FlagError(`${this.#cmd}: unknown flag: --${name}`);
      let value = eq < 0 ? undefined : f.slice(eq + 1);
      if (kind === 'bool') {
        if (value === undefined) value = 'true';
        if (!['true', 'false'].includes(value.toLowerCase())) throw new FlagError(`${this.#cmd}: expecting boolean value for flag --${name}, not: ${value}`);
      } else if (value === undefined) {
        throw new FlagError(`${this.#cmd}: missing a value on flag: --${name}`);
      }
      const prev = this.#values.get(name) ?? [];
      if (kind !== 'strings' && prev.length) throw new FlagError(`${this.#cmd}: duplicate flag specified: --${name}`);
      this.#values.set(name, [...prev, value]);
    }
    return this;
  }
  string(name: string): string | undefined { return this.#values.get(name)?.[0]; }
  bool(name: string): boolean { return this.#values.get(name)?.[0]?.toLowerCase() === 'true'; }
  strings(name: string): string[] { return this.#values.get(name) ?? []; }
}
