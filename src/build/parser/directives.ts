// Parser directives: `# syntax=`, `# escape=`, `# check=` comment lines at the very top of a
// Dockerfile. The first line that is not one ends the directive block.

const DIRECTIVE = /^([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$/;
const KNOWN = new Set(['syntax', 'escape', 'check']);

export class DirectiveReader {
  #done = false;
  #seen = new Set<string>();
  /** The directives read, by name. */
  readonly values = new Map<string, { value: string; line: number }>();
  #line = 0;

  /** Returns the directive on this line, if it is one; throws on a repeated directive. */
  read(line: string): { name: string; value: string } | null {
    this.#line++;
    if (this.#done) return null;
    if (!line.startsWith('#')) { this.#done = true; return null; }
    const m = DIRECTIVE.exec(line.slice(1).replace(/^\s+/, ''));
    const name = m?.[1].toLowerCase();
    if (!m || !name || !KNOWN.has(name)) { this.#done = true; return null; }
    if (this.#seen.has(name)) throw new Error(`only one ${name} parser directive can be used`);
    this.#seen.add(name);
    this.values.set(name, { value: m[2], line: this.#line });
    return { name, value: m[2] };
  }
}
